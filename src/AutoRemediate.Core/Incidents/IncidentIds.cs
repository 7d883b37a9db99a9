using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using AutoRemediate.Http;
using AutoRemediate.Shared;
using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;

namespace AutoRemediate.Incidents;

/// <summary>
/// Derives the ids that make ingestion idempotent. Both are pure functions of the alert, so a retried
/// or duplicated delivery lands on the same incident and the same orchestration instance.
/// </summary>
public static partial class IncidentIds
{
    /// <summary>
    /// The orchestration instance id for an app: one live remediation per app. Hashed because the
    /// Azure Storage backend uses instance ids as table keys, which cannot hold '/'.
    /// </summary>
    public static string InstanceIdFor(string targetResourceId) =>
        "remediate-" + Hash(ResourceIds.Normalize(targetResourceId))[..32];

    /// <summary>The incident id for one firing of one alert on one target.</summary>
    public static string IncidentIdFor(string alertId, string targetResourceId, DateTimeOffset firedAt)
    {
        var key = string.Join('|', alertId.Trim().ToLowerInvariant(), ResourceIds.Normalize(targetResourceId),
            firedAt.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture));
        return $"inc-{firedAt.UtcDateTime:yyyyMMdd}-{Hash(key)[..16]}";
    }

    /// <summary>
    /// The incident a workflow instance serves, read from its input (the remediation's input starts with
    /// the incident id); null when the instance has no readable input.
    /// </summary>
    public static string? IncidentServedBy(OrchestrationMetadata instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        return instance.ReadInputAs<ServedIncident>()?.IncidentId;
    }

    /// <summary>True when the text has the shape of an incident id (checked before any storage lookup).</summary>
    public static bool IsWellFormed(string? incidentId) => incidentId is not null && IncidentIdPattern().IsMatch(incidentId);

    /// <summary>
    /// The one check of an incident id in a route, before any storage lookup: null when it is well formed,
    /// else the 400 problem every endpoint answers.
    /// </summary>
    public static IResult? ProblemIfMalformed(string? incidentId) =>
        IsWellFormed(incidentId) ? null : Problems.BadRequest("Malformed incident id.", [new InputError("id", "Incident ids look like inc-20250415-0123456789abcdef.")]);

    // The one field of the remediation's input this folder needs; the rest of the input is the workflow's.
    private sealed record ServedIncident(string? IncidentId);

    private static string Hash(string value) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));

    [GeneratedRegex("^inc-[0-9]{8}-[0-9a-f]{16}$", RegexOptions.CultureInvariant)]
    private static partial Regex IncidentIdPattern();
}
