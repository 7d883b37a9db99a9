using System.Collections.Concurrent;
using System.Reflection;
using Microsoft.Extensions.Logging;

namespace AutoRemediate.Shared;

/// <summary>
/// The logger scope that ties every log line of an incident to its incident id and app. With
/// <c>IncludeScopes</c> (OpenTelemetry does it by default) the two land as custom dimensions
/// (<c>customDimensions.IncidentId</c>, <c>customDimensions.App</c>) in Application Insights, so one query
/// finds everything an incident did.
/// </summary>
public static class IncidentLogScope
{
    /// <summary>The scope key of the incident id.</summary>
    public const string IncidentIdKey = "IncidentId";

    /// <summary>The scope key of the app (the site's name, from its resource id).</summary>
    public const string AppKey = "App";

    // Activity inputs are records; their incident and target are read once per type.
    private static readonly ConcurrentDictionary<Type, (PropertyInfo? Incident, PropertyInfo? Target)> s_properties = new();

    /// <summary>Begins a scope with the incident id and the app; either may be null (then it is left out).</summary>
    public static IDisposable? Begin(ILogger logger, string? incidentId, string? targetResourceId)
    {
        ArgumentNullException.ThrowIfNull(logger);
        var state = new List<KeyValuePair<string, object?>>(2);
        if (!string.IsNullOrEmpty(incidentId))
        {
            state.Add(new(IncidentIdKey, incidentId));
        }

        var app = AppName(targetResourceId);
        if (app is not null)
        {
            state.Add(new(AppKey, app));
        }

        return state.Count == 0 ? null : logger.BeginScope(state);
    }

    /// <summary>
    /// Begins the scope for an activity's input: its <c>IncidentId</c> and its target (<c>TargetResourceId</c> or
    /// <c>SiteResourceId</c>), read from the input or the record it wraps (<c>Input</c>); a plain string input is
    /// the site's resource id.
    /// </summary>
    public static IDisposable? BeginFor(ILogger logger, object? input)
    {
        var (incidentId, target) = Read(input, depth: 0);
        return Begin(logger, incidentId, target);
    }

    /// <summary>Runs an activity inside the scope of its input.</summary>
    public static async Task<TOutput> RunAsync<TInput, TOutput>(ILogger logger, TInput input, Func<TInput, CancellationToken, Task<TOutput>> run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        using var scope = BeginFor(logger, input);
        return await run(input, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The app's name: the segment after <c>/sites/</c> (slots keep their <c>/slots/name</c>), else null.</summary>
    public static string? AppName(string? resourceId)
    {
        if (string.IsNullOrWhiteSpace(resourceId))
        {
            return null;
        }

        const string Sites = "/sites/";
        var at = resourceId.IndexOf(Sites, StringComparison.OrdinalIgnoreCase);
        if (at < 0)
        {
            return null;
        }

        var name = resourceId[(at + Sites.Length)..].TrimEnd('/');
        return name.Length == 0 ? null : name;
    }

    private static (string? IncidentId, string? Target) Read(object? input, int depth)
    {
        switch (input)
        {
            case null:
                return (null, null);
            case string resourceId:
                return (null, resourceId);
            case System.Collections.IEnumerable items when depth == 0:
                // A batch (timeline entries): the first item that names an incident.
                foreach (var item in items)
                {
                    var found = Read(item, depth + 1);
                    if (found.IncidentId is not null)
                    {
                        return found;
                    }
                }

                return (null, null);
        }

        var (incident, target) = s_properties.GetOrAdd(input.GetType(), static t => (
            t.GetProperty(IncidentIdKey, BindingFlags.Public | BindingFlags.Instance) is { PropertyType: var p } i && p == typeof(string) ? i : null,
            t.GetProperty("TargetResourceId", BindingFlags.Public | BindingFlags.Instance) ?? t.GetProperty("SiteResourceId", BindingFlags.Public | BindingFlags.Instance)));
        var incidentId = incident?.GetValue(input) as string;
        var targetId = target?.GetValue(input) as string;
        if ((incidentId is null || targetId is null) && depth < 2 && input.GetType().GetProperty("Input", BindingFlags.Public | BindingFlags.Instance) is { } inner)
        {
            var (innerIncident, innerTarget) = Read(inner.GetValue(input), depth + 1);
            incidentId ??= innerIncident;
            targetId ??= innerTarget;
        }

        return (incidentId, targetId);
    }
}
