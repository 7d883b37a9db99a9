using System.Text.Json;
using AutoRemediate.Shared;

namespace AutoRemediate.Azure;

/// <summary>Reads Azure Monitor autoscale settings (Microsoft.Insights/autoscalesettings). Every error status is a <see cref="global::Azure.RequestFailedException"/>.</summary>
public interface IAutoscaleClient
{
    /// <summary>The autoscale settings that target the plan: those in the plan's resource group, or when it has none, those elsewhere in its subscription.</summary>
    Task<IReadOnlyList<AutoscaleSettingInfo>> FindAutoscaleSettingsAsync(string planResourceId, CancellationToken cancellationToken = default);
}

/// <summary>
/// <see cref="IAutoscaleClient"/> on the shared <see cref="ArmPipeline"/>. Route and api-version per the
/// Microsoft.Insights autoscale spec (<see cref="AzureOptions.AutoscaleApiVersion"/>).
/// </summary>
public sealed class AutoscaleClient : IAutoscaleClient
{
    private readonly ArmPipeline _arm;

    /// <summary>Creates the client.</summary>
    public AutoscaleClient(ArmPipeline arm)
    {
        _arm = arm;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<AutoscaleSettingInfo>> FindAutoscaleSettingsAsync(string planResourceId, CancellationToken cancellationToken = default)
    {
        var plan = ArmIds.Plan(planResourceId);
        // The plan's resource group first: that is where the portal puts the setting, and a reader on that
        // group (least privilege) may list it. A setting may live in another group of the subscription, so
        // when the group holds none, the subscription-wide list decides; its errors (403 for a reader
        // scoped below the subscription) are the caller's to report as "unknown".
        var inGroup = await ListAsync($"/subscriptions/{plan.SubscriptionId}/resourceGroups/{Uri.EscapeDataString(plan.ResourceGroup)}/providers/Microsoft.Insights/autoscalesettings", plan, cancellationToken).ConfigureAwait(false);
        return inGroup.Count > 0
            ? inGroup
            : await ListAsync($"/subscriptions/{plan.SubscriptionId}/providers/Microsoft.Insights/autoscalesettings", plan, cancellationToken).ConfigureAwait(false);
    }

    private async Task<IReadOnlyList<AutoscaleSettingInfo>> ListAsync(string path, AppServiceResourceId plan, CancellationToken cancellationToken)
    {
        var items = await _arm.Rest.GetPagedAsync(_arm.Url(path, _arm.Options.AutoscaleApiVersion), cancellationToken).ConfigureAwait(false);
        return [.. items
            .Where(i => ResourceIds.Canonicalize(Json.Str(Json.Obj(i, "properties"), "targetResourceUri")) == plan.Canonical)
            .Select(ToAutoscale)];
    }

    private static AutoscaleSettingInfo ToAutoscale(JsonElement item)
    {
        var p = Json.Obj(item, "properties");
        var capacities = p.TryGetProperty("profiles", out var profiles) && profiles.ValueKind == JsonValueKind.Array
            ? profiles.EnumerateArray().Select(pr => Json.Obj(pr, "capacity")).ToList()
            : [];
        var minimums = capacities.Select(c => Json.Int(c, "minimum")).OfType<int>().ToList();
        var maximums = capacities.Select(c => Json.Int(c, "maximum")).OfType<int>().ToList();
        return new AutoscaleSettingInfo(Json.Str(item, "id") ?? string.Empty, Json.Str(item, "name") ?? string.Empty, Json.Bool(p, "enabled") ?? true,
            minimums.Count > 0 ? minimums.Min() : null, maximums.Count > 0 ? maximums.Max() : null,
            capacities.Count > 0 ? Json.Int(capacities[0], "default") : null);
    }
}
