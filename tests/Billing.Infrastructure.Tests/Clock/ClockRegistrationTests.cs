using Billing.Infrastructure.Clock;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Billing.Infrastructure.Tests.Clock;

/// <summary>The services' clock is the system clock unless a test clock is configured in Development; elsewhere that setting stops start-up.</summary>
public sealed class ClockRegistrationTests
{
    private static HostApplicationBuilder Builder(string environment, string? file)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = environment, DisableDefaults = true });
        if (file is not null)
        {
            builder.Configuration[ClockRegistration.FileKey] = file;
        }

        return builder;
    }

    [Fact]
    public void Without_the_setting_the_clock_is_the_system_clock()
    {
        var builder = Builder(Environments.Production, file: null);

        builder.AddBillingClock();
        using var services = builder.Services.BuildServiceProvider();

        Assert.Same(TimeProvider.System, services.GetRequiredService<TimeProvider>());
    }

    [Fact]
    public void In_Development_the_setting_gives_the_test_clock_with_the_files_offset()
    {
        var file = Path.Combine(Path.GetTempPath(), $"test-clock-{Guid.NewGuid():N}.json");
        FileOffsetTimeProvider.Write(file, TimeSpan.FromDays(2));
        try
        {
            var builder = Builder(Environments.Development, file);

            builder.AddBillingClock();
            using var services = builder.Services.BuildServiceProvider();
            var clock = Assert.IsType<FileOffsetTimeProvider>(services.GetRequiredService<TimeProvider>());

            Assert.Equal(TimeSpan.FromDays(2), clock.Offset);
            Assert.Contains(builder.Services, d => d.ServiceType == typeof(IHostedService));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("Production")]
    [InlineData("Staging")]
    public void Outside_Development_the_setting_stops_start_up(string environment)
    {
        var builder = Builder(environment, "/tmp/clock.json");

        var error = Assert.Throws<InvalidOperationException>(() => builder.AddBillingClock());

        Assert.Contains(ClockRegistration.FileKey, error.Message, StringComparison.Ordinal);
        Assert.Contains(environment, error.Message, StringComparison.Ordinal);
    }
}
