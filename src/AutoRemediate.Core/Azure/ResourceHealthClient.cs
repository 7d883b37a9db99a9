using AutoRemediate.Shared;

namespace AutoRemediate.Azure;

/// <summary>Reads Resource Health (Microsoft.ResourceHealth). Every error status is a <see cref="global::Azure.RequestFailedException"/>.</summary>
public interface IResourceHealthClient
{
    /// <summary>Reads Resource Health's current availability of a resource.</summary>
    Task<AvailabilityInfo> GetAvailabilityAsync(string resourceId, CancellationToken cancellationToken = default);
}

/// <summary>
/// <see cref="IResourceHealthClient"/> on the shared <see cref="ArmPipeline"/>. Route and api-version
/// per the Microsoft.ResourceHealth spec (<see cref="AzureOptions.ResourceHealthApiVersion"/>).
/// </summary>
public sealed class ResourceHealthClient : IResourceHealthClient
{
    private readonly ArmPipeline _arm;

    /// <summary>Creates the client.</summary>
    public ResourceHealthClient(ArmPipeline arm)
    {
        _arm = arm;
    }

    /// <inheritdoc />
    public async Task<AvailabilityInfo> GetAvailabilityAsync(string resourceId, CancellationToken cancellationToken = default)
    {
        var body = await _arm.Rest.GetJsonAsync(
            _arm.Url(ArmIds.Parse(resourceId).EscapedPath + "/providers/Microsoft.ResourceHealth/availabilityStatuses/current", _arm.Options.ResourceHealthApiVersion), cancellationToken).ConfigureAwait(false);
        var p = Json.Obj(body, "properties");
        return new AvailabilityInfo(Json.Str(p, "availabilityState") ?? "Unknown", Json.Str(p, "reasonType"), Json.Str(p, "summary"), Json.Time(p, "occuredTime") ?? Json.Time(p, "occurredTime"));
    }
}
