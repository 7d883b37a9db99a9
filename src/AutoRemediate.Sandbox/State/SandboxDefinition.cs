using System.Text.Json;
using System.Text.Json.Serialization;

namespace AutoRemediate.Sandbox.State;

/// <summary>
/// The Sandbox's world as written in <c>sandbox.apps.json</c>: plans (with their SKU, capacity and an
/// optional autoscale setting) and the apps that run on them. Loaded at start and again on
/// <c>POST /sandbox/reset</c>. The older format (a bare array of apps with <c>instanceCount</c>) is
/// still read: each distinct plan name becomes a P1v3 plan with that many instances.
/// </summary>
public sealed class SandboxDefinition
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web)
    {
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    public List<PlanDefinition> Plans { get; init; } = [];

    public List<AppDefinition> Apps { get; init; } = [];

    /// <summary>Reads and validates a definition file.</summary>
    public static SandboxDefinition Load(string path)
    {
        using var stream = File.OpenRead(path);
        using var document = JsonDocument.Parse(stream, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var definition = document.RootElement.ValueKind == JsonValueKind.Array
            ? FromLegacyArray(document.RootElement.Deserialize<List<AppDefinition>>(s_json) ?? [])
            : document.RootElement.Deserialize<SandboxDefinition>(s_json) ?? new SandboxDefinition();
        definition.Validate(path);
        return definition;
    }

    private static SandboxDefinition FromLegacyArray(List<AppDefinition> apps)
    {
        var plans = apps
            .GroupBy(a => (a.SubscriptionId.ToUpperInvariant(), a.ResourceGroup.ToUpperInvariant(), a.PlanName.ToUpperInvariant()))
            .Select(g => new PlanDefinition
            {
                SubscriptionId = g.First().SubscriptionId,
                ResourceGroup = g.First().ResourceGroup,
                Name = g.First().PlanName,
                Location = g.First().Location,
                Kind = g.All(a => a.IsLinux) ? "linux" : "app",
                Sku = new SkuDefinition { Name = "P1v3", Capacity = g.Max(a => a.InstanceCount ?? 2) },
            })
            .ToList();
        return new SandboxDefinition { Plans = plans, Apps = apps };
    }

    private void Validate(string path)
    {
        var planKeys = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var plan in Plans)
        {
            Require(plan.SubscriptionId, plan.ResourceGroup, plan.Name, $"plan '{plan.Name}'");
            if (!planKeys.Add($"{plan.SubscriptionId}/{plan.ResourceGroup}/{plan.Name}"))
            {
                throw new InvalidDataException($"{path}: plan '{plan.Name}' is defined twice.");
            }

            if (plan.Sku.Capacity < 1 || plan.Sku.Capacity > plan.MaximumNumberOfWorkers)
            {
                throw new InvalidDataException($"{path}: plan '{plan.Name}' has capacity {plan.Sku.Capacity}, outside 1..maximumNumberOfWorkers ({plan.MaximumNumberOfWorkers}).");
            }
        }

        var siteNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var app in Apps)
        {
            Require(app.SubscriptionId, app.ResourceGroup, app.Name, $"app '{app.Name}'");
            if (!siteNames.Add(app.Name))
            {
                // Site names are global in App Service (they are DNS names), and the SCM routes find a site by name only.
                throw new InvalidDataException($"{path}: site name '{app.Name}' is used twice.");
            }

            if (!planKeys.Contains($"{app.SubscriptionId}/{app.ResourceGroup}/{app.PlanName}"))
            {
                throw new InvalidDataException($"{path}: app '{app.Name}' names plan '{app.PlanName}', which is not defined in its resource group.");
            }

            if (!Scenarios.ScenarioKinds.TryParse(app.Scenario, out _))
            {
                throw new InvalidDataException($"{path}: app '{app.Name}' has unknown scenario '{app.Scenario}' (known: {string.Join(", ", Scenarios.ScenarioKinds.Names)}).");
            }
        }
    }

    private static void Require(string subscriptionId, string resourceGroup, string name, string what)
    {
        if (string.IsNullOrWhiteSpace(subscriptionId) || string.IsNullOrWhiteSpace(resourceGroup) || string.IsNullOrWhiteSpace(name))
        {
            throw new InvalidDataException($"{what} needs subscriptionId, resourceGroup and name.");
        }
    }
}

/// <summary>An App Service plan (Microsoft.Web/serverfarms).</summary>
public sealed class PlanDefinition
{
    public string SubscriptionId { get; init; } = string.Empty;

    public string ResourceGroup { get; init; } = string.Empty;

    public string Name { get; init; } = string.Empty;

    public string Location { get; init; } = "West Europe";

    /// <summary><c>app</c> (Windows) or <c>linux</c>.</summary>
    public string Kind { get; init; } = "app";

    public SkuDefinition Sku { get; init; } = new();

    public int MaximumNumberOfWorkers { get; init; } = 10;

    public AutoscaleDefinition? Autoscale { get; init; }

    /// <summary><c>async</c> (PATCH answers 202 and a long-running operation) or <c>sync</c> (200 at once).</summary>
    public string LroMode { get; init; } = "async";

    /// <summary>How many polls of the operation answer InProgress before it succeeds.</summary>
    public int LroInProgressPolls { get; init; } = 1;

    /// <summary>Sandbox-clock seconds after which an operation nobody polls completes on its own.</summary>
    public int LroCompleteAfterSeconds { get; init; } = 30;
}

/// <summary>The plan's <c>sku</c>; <c>capacity</c> is the instance count.</summary>
public sealed class SkuDefinition
{
    public string Name { get; init; } = "P1v3";

    public string? Tier { get; init; }

    public string? Size { get; init; }

    public string? Family { get; init; }

    public int Capacity { get; init; } = 1;
}

/// <summary>A Microsoft.Insights autoscale setting that targets the plan (one profile, no rules).</summary>
public sealed class AutoscaleDefinition
{
    public string Name { get; init; } = string.Empty;

    public bool Enabled { get; init; } = true;

    public int Minimum { get; init; } = 1;

    public int Maximum { get; init; } = 1;

    public int Default { get; init; } = 1;

    /// <summary>
    /// Autoscale re-evaluates on its own schedule and moves a manual capacity outside [minimum, maximum]
    /// back inside it; the Sandbox does that this many sandbox-clock seconds after the last plan change.
    /// </summary>
    public int EvaluationSeconds { get; init; } = 60;
}

/// <summary>One web app (Microsoft.Web/sites).</summary>
public sealed class AppDefinition
{
    public string SubscriptionId { get; init; } = string.Empty;

    public string ResourceGroup { get; init; } = string.Empty;

    public string Name { get; init; } = string.Empty;

    public string PlanName { get; init; } = string.Empty;

    public string Location { get; init; } = "West Europe";

    /// <summary><c>app</c> (Windows) or <c>app,linux</c>.</summary>
    public string Kind { get; init; } = "app";

    public string State { get; init; } = "Running";

    /// <summary>healthy, memory-leak, cpu-saturation, crash-loop, one-bad-instance or platform-outage.</summary>
    public string Scenario { get; init; } = "healthy";

    public List<string> Slots { get; init; } = [];

    public string? HealthCheckPath { get; init; }

    /// <summary>Size of a generated process dump (default 64 MiB).</summary>
    public long? DumpSizeBytes { get; init; }

    /// <summary>How long the worker processes have been running when the Sandbox starts.</summary>
    public double ProcessUptimeMinutes { get; init; } = 30;

    /// <summary>Publishing credentials the SCM site accepts as HTTP Basic auth; absent = basic auth disabled.</summary>
    public BasicAuthDefinition? BasicAuth { get; init; }

    /// <summary>Linux only: WEBSITE_USE_DOTNET_MONITOR=true, so KuduLite's process list and dumps work.</summary>
    public bool DotnetMonitor { get; init; }

    /// <summary>Legacy format only: the instance count of the app's plan.</summary>
    public int? InstanceCount { get; init; }

    [JsonIgnore]
    public bool IsLinux => Kind.Contains("linux", StringComparison.OrdinalIgnoreCase);
}

/// <summary>SCM publishing credentials (user is usually <c>$sitename</c>).</summary>
public sealed class BasicAuthDefinition
{
    public string User { get; init; } = string.Empty;

    public string Password { get; init; } = string.Empty;
}
