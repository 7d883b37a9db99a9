using AutoRemediate.Sandbox.State;

namespace AutoRemediate.Sandbox.Scenarios;

/// <summary>What one app's worker on one instance looks like at one moment.</summary>
internal readonly record struct InstanceSample(
    bool Running,
    DateTimeOffset WorkerStartedAt,
    double WorkingSetBytes,
    double CpuPercent,
    double RequestsPerMinute,
    double Http5xxPerMinute,
    double ResponseTimeSeconds,
    double HealthPercent,
    double HttpQueueLength)
{
    public double PrivateBytes => WorkingSetBytes * 1.15;

    public int ThreadCount => Running ? (int)(40 + (CpuPercent * 1.2)) : 0;

    public int HandleCount => Running ? (int)(900 + (WorkingSetBytes / (4 * 1024 * 1024))) : 0;
}

/// <summary>One plan worker at one moment (the plan metrics).</summary>
internal readonly record struct PlanSample(double CpuPercent, double MemoryPercent, double HttpQueueLength);

/// <summary>Resource Health's view of an app.</summary>
internal sealed record AvailabilityView(
    string State,
    string Title,
    string Summary,
    string? ReasonType,
    string? Context,
    string? Category,
    string? ReasonChronicity,
    string? DetailedStatus,
    DateTimeOffset OccurredAt);

/// <summary>
/// The scenarios, as pure functions of the app's state and the time since its worker (re)started. Every
/// figure the Sandbox reports (process working set, metrics, detectors, instance state, Resource Health)
/// comes from here, so they agree with each other. Call under the plan's gate.
/// </summary>
internal static class ScenarioModel
{
    public const double MiB = 1024 * 1024;

    /// <summary>A crash-looping worker never lives longer than this.</summary>
    public static readonly TimeSpan CrashInterval = TimeSpan.FromSeconds(30);

    public static InstanceSample Sample(SimulatedApp app, SimulatedInstance instance, DateTimeOffset t)
    {
        var epoch = app.ProcessesOn(instance).WorkerAt(t);
        var start = EffectiveStart(app, epoch.StartedAt, t);
        if (string.Equals(app.State, "Stopped", StringComparison.OrdinalIgnoreCase))
        {
            return new InstanceSample(false, start, 0, 0, 0, 0, 0, 0, 0);
        }

        var minutes = Math.Max(0, (t - start).TotalMinutes);
        var capacity = app.Plan.CapacityAt(t);
        return app.ScenarioKind switch
        {
            ScenarioKind.MemoryLeak => MemoryLeak(start, minutes),
            ScenarioKind.CpuSaturation => CpuSaturation(start, app.Plan.DemandCoreUnits / Math.Max(1, capacity.Capacity * capacity.CoresPerWorker)),
            ScenarioKind.CrashLoop => new InstanceSample(true, start, 180 * MiB + (minutes * 60 * MiB), 45, 600, 240, 3.0, 0, 20),
            ScenarioKind.OneBadInstance when instance.Ordinal == 0 && epoch.Generation == 0 =>
                new InstanceSample(true, start, 2800 * MiB, 70, 600, 300, 12.0, 0, 50),
            ScenarioKind.PlatformOutage => new InstanceSample(true, start, 300 * MiB, 3, 600, 600, 30.0, 0, 100),
            _ => Healthy(start),
        };
    }

    /// <summary>The start time a client sees: a crash-looping worker always started within the last 30 s.</summary>
    public static DateTimeOffset EffectiveStart(SimulatedApp app, DateTimeOffset workerStartedAt, DateTimeOffset t)
    {
        if (app.ScenarioKind != ScenarioKind.CrashLoop || t <= workerStartedAt)
        {
            return workerStartedAt;
        }

        var sinceStart = t - workerStartedAt;
        return t - TimeSpan.FromTicks(sinceStart.Ticks % CrashInterval.Ticks);
    }

    public static PlanSample SamplePlan(SimulatedPlan plan, SimulatedInstance instance, DateTimeOffset t)
    {
        double cpu = 0, memory = 600 * MiB, queue = 0;
        foreach (var app in plan.Apps)
        {
            var sample = Sample(app, instance, t);
            cpu += sample.CpuPercent;
            memory += sample.WorkingSetBytes;
            queue += sample.HttpQueueLength;
        }

        var perWorker = plan.CapacityAt(t).MemoryBytesPerWorker;
        return new PlanSample(Math.Min(100, cpu), Math.Min(100, memory / perWorker * 100), queue);
    }

    public static AvailabilityView Availability(SimulatedApp app, DateTimeOffset now) => app.ScenarioKind == ScenarioKind.PlatformOutage
        ? new AvailabilityView(
            "Unavailable",
            "Unavailable",
            "We're sorry, your app is unavailable because of a problem with the Azure platform. Engineers are working to resolve it.",
            "PlatformInitiated",
            "Platform Initiated",
            "Unplanned",
            "Persistent",
            "The App Service front ends in this region cannot reach the workers that host your app.",
            app.LoadedAt.AddMinutes(-10))
        : new AvailabilityView(
            "Available",
            "Available",
            "There aren't any known Azure platform problems affecting this app.",
            null,
            null,
            null,
            null,
            null,
            app.LoadedAt.AddDays(-1));

    private static InstanceSample Healthy(DateTimeOffset start) => new(true, start, 300 * MiB, 10, 600, 0, 0.12, 100, 0);

    // From 400 MB, 50 MB more per minute since the worker started, capped at 3.5 GB; above 3 GB the app
    // starts failing (OutOfMemory) and its health check goes red.
    private static InstanceSample MemoryLeak(DateTimeOffset start, double minutes)
    {
        var workingSet = Math.Min(3584 * MiB, (400 + (50 * minutes)) * MiB);
        var failing = workingSet >= 3072 * MiB;
        var responseTime = 0.15 + (1.5 * Math.Max(0, workingSet - (2048 * MiB)) / (1536 * MiB));
        return new InstanceSample(true, start, workingSet, failing ? 35 : 15, 600, failing ? 60 : 0, responseTime, failing ? 0 : 100, failing ? 5 : 0);
    }

    // The demand stays the same, so each worker's share shrinks as the plan scales out or up:
    // cpu = min(95, 95 × initial cores / current cores) — 95 % at the initial size, 47.5 % at twice it.
    private static InstanceSample CpuSaturation(DateTimeOffset start, double load)
    {
        var cpu = Math.Min(95, 95 * load);
        var errors = cpu >= 90 ? 30 : cpu >= 70 ? 5 : 0;
        var queue = cpu >= 90 ? 150 : cpu >= 70 ? 40 : 2;
        var responseTime = 0.12 + (6 * Math.Max(0, cpu - 60) / 35);
        return new InstanceSample(true, start, 512 * MiB, cpu, 1200 * load, errors, responseTime, cpu >= 90 ? 50 : 100, queue);
    }
}
