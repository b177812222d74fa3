using Billing.Worker;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddWorkerServices();

var app = builder.Build();

app.UseHttpSecurity();
app.UseAuthentication();
app.UseRateLimiter();
app.UseAuthorization();
app.MapDefaultEndpoints();
app.MapWorkerDashboard();
app.ScheduleRecurringJobs();

app.Run();

/// <summary>Entry point, visible to the worker tests' <c>WebApplicationFactory</c>.</summary>
public partial class Program;
