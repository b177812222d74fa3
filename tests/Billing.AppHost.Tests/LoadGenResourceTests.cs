using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Billing.AppHost.Tests;

/// <summary>
/// The demo traffic generator is part of a developer's system only: present in Development (after the API, with the demo
/// key), absent when turned off, outside Development and in a published deployment. The model is inspected, not started.
/// </summary>
public sealed class LoadGenResourceTests : IDisposable
{
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("billing-loadgen-model-").FullName;

    private async Task<IDistributedApplicationTestingBuilder> ModelAsync(params string[] args) =>
        await DistributedApplicationTestingBuilder.CreateAsync<Projects.Billing_AppHost>(
            [$"--Infrastructure:DataDirectory={_dataDirectory}", $"--Parameters:demo-api-key={AppHostFixture.DemoKeySecret}", .. args],
            (options, _) => options.DisableDashboard = true,
            TestContext.Current.CancellationToken);

    private static ProjectResource? LoadGen(IDistributedApplicationTestingBuilder builder) =>
        builder.Resources.OfType<ProjectResource>().SingleOrDefault(r => r.Name == "loadgen");

    [Fact]
    public async Task In_development_loadgen_waits_for_the_api_and_sends_with_the_demo_key_at_the_configured_pace()
    {
        await using var builder = await ModelAsync("--environment=Development", "--LoadGen:RequestsPerSecond=5");

        var loadgen = LoadGen(builder);

        Assert.NotNull(loadgen);
        Assert.Contains(loadgen.Annotations.OfType<WaitAnnotation>(), w => w.Resource.Name == "api" && w.WaitType == WaitType.WaitUntilHealthy);
        // Evaluated as expressions (as a manifest shows them): nothing is allocated or started in a model.
        var configuration = await ExecutionConfigurationBuilder.Create(loadgen).WithEnvironmentVariablesConfig()
            .BuildAsync(new DistributedApplicationExecutionContext(DistributedApplicationOperation.Publish), NullLogger.Instance, TestContext.Current.CancellationToken);
        var environment = configuration.EnvironmentVariables.ToDictionary(v => v.Key, v => v.Value);
        Assert.Equal("bk_demo_{demo-api-key.value}", environment["LoadGen__ApiKey"]);
        Assert.Equal("{api.bindings.http.url}", environment["services__api__http__0"]);
        Assert.Equal("5", environment["LoadGen__RequestsPerSecond"]);
        Assert.Equal("20", environment["LoadGen__EventsPerBatch"]);
    }

    [Theory]
    [InlineData("--LoadGen:Enabled=false", "--environment=Development")]
    [InlineData("--environment=Production")]
    public async Task Turned_off_or_outside_development_there_is_no_loadgen(params string[] args)
    {
        await using var builder = await ModelAsync(args);

        Assert.Null(LoadGen(builder));
        Assert.Contains(builder.Resources, r => r.Name == "api");
    }

    [Fact]
    public async Task A_published_deployment_has_no_loadgen()
    {
        await using var builder = await ModelAsync("--environment=Development", "--publisher", "manifest", "--output-path", Path.Combine(_dataDirectory, "manifest.json"));

        Assert.True(builder.ExecutionContext.IsPublishMode);
        Assert.Null(LoadGen(builder));
        Assert.Contains(builder.Resources, r => r.Name == "api");
    }

    public void Dispose() => Directory.Delete(_dataDirectory, recursive: true);
}
