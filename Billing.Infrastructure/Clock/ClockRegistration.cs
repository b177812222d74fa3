using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Billing.Infrastructure.Clock;

/// <summary>
/// The services' <see cref="TimeProvider"/>: the system clock, or, when <c>TestClock:File</c> is set in Development, the
/// system clock moved by the offset in that file (<see cref="FileOffsetTimeProvider"/>). Outside Development the setting
/// stops start-up: a production clock must never be movable.
/// </summary>
public static partial class ClockRegistration
{
    public const string FileKey = "TestClock:File";

    public static IHostApplicationBuilder AddBillingClock(this IHostApplicationBuilder builder)
    {
        var file = builder.Configuration[FileKey];
        if (string.IsNullOrWhiteSpace(file))
        {
            builder.Services.AddSingleton(TimeProvider.System);
            return builder;
        }

        if (!builder.Environment.IsDevelopment())
        {
            throw new InvalidOperationException(
                $"{FileKey} moves this service's clock for tests and is refused in the {builder.Environment.EnvironmentName} environment; remove the setting.");
        }

        builder.Services.AddSingleton<FileOffsetTimeProvider>(sp => new FileOffsetTimeProvider(file, sp.GetRequiredService<ILogger<FileOffsetTimeProvider>>()));
        builder.Services.AddSingleton<TimeProvider>(sp => sp.GetRequiredService<FileOffsetTimeProvider>());
        builder.Services.AddHostedService<TestClockWarning>();
        return builder;
    }

    /// <summary>Says at start-up, as a warning, that this process's clock can be moved (and starts reading the file).</summary>
    private sealed partial class TestClockWarning(FileOffsetTimeProvider clock, ILogger<TestClockWarning> logger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            LogMovable(FileKey, clock.Offset.TotalSeconds);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        [LoggerMessage(Level = LogLevel.Warning, Message = "{Key} is set: this process's clock is a test clock, {OffsetSeconds} s ahead now; never use this setting in production")]
        private partial void LogMovable(string key, double offsetSeconds);
    }
}
