using System.Net;
using Billing.Infrastructure.Alerts;

namespace Billing.Infrastructure.Tests.Alerts;

public sealed class WebhookConnectionsTests
{
    [Theory]
    [InlineData("93.184.215.14", true)]
    [InlineData("8.8.8.8", true)]
    [InlineData("2606:4700::1111", true)]
    [InlineData("127.0.0.1", false)]
    [InlineData("10.1.2.3", false)]
    [InlineData("172.16.0.1", false)]
    [InlineData("172.31.255.255", false)]
    [InlineData("172.32.0.1", true)]
    [InlineData("192.168.1.1", false)]
    [InlineData("169.254.169.254", false)]
    [InlineData("100.64.0.1", false)]
    [InlineData("0.0.0.0", false)]
    [InlineData("224.0.0.1", false)]
    [InlineData("::1", false)]
    [InlineData("::", false)]
    [InlineData("fe80::1", false)]
    [InlineData("fd00::1", false)]
    [InlineData("::ffff:127.0.0.1", false)]
    [InlineData("::ffff:8.8.8.8", true)]
    [InlineData("64:ff9b::7f00:1", false)]
    [InlineData("64:ff9b::a9fe:a9fe", false)]
    [InlineData("64:ff9b::808:808", false)]
    [InlineData("64:ff9b:1::a00:1", false)]
    [InlineData("64:ff9c::1", true)]
    [InlineData("2002:7f00:1::1", false)]
    [InlineData("2002:a9fe:a9fe::", false)]
    [InlineData("2003::1", true)]
    [InlineData("2001:0:4136:e378:8000:63bf:80ff:fffe", false)]
    [InlineData("2001:1::1", true)]
    [InlineData("2001:4860:4860::8888", true)]
    public void Only_public_addresses_are_webhook_targets(string address, bool isPublic) =>
        Assert.Equal(isPublic, WebhookConnections.IsPublic(IPAddress.Parse(address)));
}
