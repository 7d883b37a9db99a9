using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using AutoRemediate.Shared;
using Microsoft.AspNetCore.Http;

namespace AutoRemediate.Incidents;

/// <summary>What <c>GET /api/incidents</c> asks for: incidents newest first, filtered, one page at a time.</summary>
/// <param name="App">Only this app (an app, slot or plan), or null for every app.</param>
/// <param name="Statuses">Only these statuses, or empty for any.</param>
/// <param name="Since">Only incidents opened at or after this instant, or null.</param>
/// <param name="Top">The most incidents on the page.</param>
/// <param name="Continuation">Where the previous page stopped (<see cref="IncidentPage.Continuation"/>), or null for the first page.</param>
/// <param name="ExactTarget">With an ARM id for <paramref name="App"/>: only that exact resource (two apps can share a name across subscriptions).</param>
public sealed record IncidentQuery(
    IncidentListApp? App,
    IReadOnlySet<IncidentStatus> Statuses,
    DateTimeOffset? Since,
    int Top,
    string? Continuation,
    bool ExactTarget = false);

/// <summary>
/// The app filter of a list query. Partitions of the list index are per app <em>name</em> (what people type), so an
/// app given by name and by ARM id read the same partition.
/// </summary>
/// <param name="Kind">Site, slot or plan.</param>
/// <param name="Name">The site or plan name, lower case.</param>
/// <param name="Slot">The slot name, lower case, for a slot.</param>
/// <param name="Canonical">The canonical ARM id when the filter gave one, else null.</param>
public sealed record IncidentListApp(TargetKind Kind, string Name, string? Slot, string? Canonical)
{
    /// <summary>The filter for an incident's own target (its index partition).</summary>
    public static IncidentListApp For(AppServiceResourceId id)
    {
        ArgumentNullException.ThrowIfNull(id);
        return new IncidentListApp(id.Kind, id.Name, id.Slot, id.Canonical);
    }
}

/// <summary>One page of incidents, newest first.</summary>
/// <param name="Items">The incidents, as stored (the incident rows, not the index rows).</param>
/// <param name="Continuation">Pass back as <c>continuation</c> for the next page; null on the last page.</param>
public sealed record IncidentPage(IReadOnlyList<IncidentRecord> Items, string? Continuation);

/// <summary>
/// The keys of the incident list index. The index lives in the Incidents table beside the incident rows (whose
/// partition keys are incident ids, <c>inc-…</c>), in two kinds of partition:
/// <list type="bullet">
/// <item><c>list-all</c>: one row per incident.</item>
/// <item><c>list-site-{name}</c>, <c>list-site-{name}~{slot}</c>, <c>list-plan-{name}</c>: one row per incident of that app.</item>
/// </list>
/// The row key is <c>{ticks to the end of time, 19 digits}_{incident id}</c>: Table Storage returns a partition in row
/// key order, so a range read of one partition returns the newest incidents first, a <c>since</c> is an upper bound on
/// the row key, and a continuation is the last row key returned. Every list, and the fleet breaker's count, is one
/// partition range query: no query ever scans the table.
/// </summary>
public static partial class IncidentListKeys
{
    /// <summary>The partition holding every incident.</summary>
    public const string AllPartition = "list-all";

    /// <summary>The partition of one app's incidents.</summary>
    public static string AppPartition(IncidentListApp app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app.Kind switch
        {
            TargetKind.Plan => "list-plan-" + app.Name,
            TargetKind.Slot => $"list-site-{app.Name}~{app.Slot}",
            _ => "list-site-" + app.Name,
        };
    }

    /// <summary>The row key of an incident opened at <paramref name="createdAt"/>.</summary>
    public static string RowKey(DateTimeOffset createdAt, string incidentId) => Inverted(createdAt).ToString("D19", CultureInfo.InvariantCulture) + "_" + incidentId;

    /// <summary>
    /// The exclusive upper bound on row keys of incidents opened at or after <paramref name="since"/>: newer incidents have
    /// smaller inverted ticks, so every one of them sorts below it.
    /// </summary>
    public static string SinceBound(DateTimeOffset since) => (Inverted(since) + 1).ToString("D19", CultureInfo.InvariantCulture);

    /// <summary>True when <paramref name="rowKey"/> is exactly the form <see cref="RowKey"/> writes.</summary>
    public static bool IsRowKey(string rowKey) => RowKeyPattern().IsMatch(rowKey);

    /// <summary>Opaque to callers: the last row key of a page, base64url.</summary>
    public static string EncodeContinuation(string rowKey) => Base64Url(Encoding.ASCII.GetBytes(rowKey));

    /// <summary>The row key a continuation stands for, or null when it is not one this service wrote.</summary>
    public static string? DecodeContinuation(string? continuation)
    {
        if (string.IsNullOrEmpty(continuation) || continuation.Length > 80 || !ContinuationPattern().IsMatch(continuation))
        {
            return null;
        }

        try
        {
            var padded = continuation.Replace('-', '+').Replace('_', '/');
            padded += new string('=', (4 - (padded.Length % 4)) % 4);
            var rowKey = Encoding.ASCII.GetString(Convert.FromBase64String(padded));
            // Exact grammar, and the canonical encoding only: one row key, one token.
            return IsRowKey(rowKey) && EncodeContinuation(rowKey) == continuation ? rowKey : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static long Inverted(DateTimeOffset at) => DateTimeOffset.MaxValue.UtcTicks - at.UtcTicks;

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    [GeneratedRegex("^[0-9]{19}_inc-[0-9]{8}-[0-9a-f]{16}$", RegexOptions.CultureInvariant)]
    private static partial Regex RowKeyPattern();

    [GeneratedRegex("^[A-Za-z0-9_-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex ContinuationPattern();
}

/// <summary>
/// Reads <c>GET /api/incidents</c>'s query string into an <see cref="IncidentQuery"/>, or the input errors. Every
/// parameter is untrusted: one value each, exact grammar, bounded; an unknown parameter is an error (a typo would
/// otherwise silently list everything).
/// </summary>
public static partial class IncidentListRequest
{
    /// <summary>The page size when <c>top</c> is not given.</summary>
    public const int DefaultTop = 25;

    /// <summary>The largest page.</summary>
    public const int MaxTop = 100;

    private static readonly string[] Known = ["app", "status", "since", "top", "continuation", "code"];

    /// <summary>Parses the query; <paramref name="errors"/> lists every problem when it returns null.</summary>
    public static IncidentQuery? TryParse(IQueryCollection query, out IReadOnlyList<InputError> errors)
    {
        ArgumentNullException.ThrowIfNull(query);
        var problems = new List<InputError>();
        foreach (var key in query.Keys)
        {
            if (!Known.Contains(key, StringComparer.Ordinal))
            {
                problems.Add(new InputError(Shorten(key), $"Unknown parameter. Use {string.Join(", ", Known[..5])}."));
            }
            else if (query[key].Count != 1)
            {
                problems.Add(new InputError(key, "Give this parameter once."));
            }
        }

        var app = ParseApp(Single(query, "app"), problems, out var exact);
        var statuses = ParseStatuses(Single(query, "status"), problems);
        var since = ParseSince(Single(query, "since"), problems);
        var top = ParseTop(Single(query, "top"), problems);
        var continuation = Single(query, "continuation");
        if (continuation is not null && IncidentListKeys.DecodeContinuation(continuation) is null)
        {
            problems.Add(new InputError("continuation", "Not a continuation this service returned; start again without it."));
        }

        errors = problems;
        return problems.Count == 0 ? new IncidentQuery(app, statuses, since, top, continuation, exact) : null;
    }

    private static string? Single(IQueryCollection query, string key) =>
        query.TryGetValue(key, out var values) && values.Count == 1 ? values[0] : null;

    private static IncidentListApp? ParseApp(string? value, List<InputError> problems, out bool exact)
    {
        exact = false;
        if (value is null)
        {
            return null;
        }

        if (value.StartsWith('/'))
        {
            if (ResourceIds.TryParse(value, out var id, out var reason))
            {
                exact = true;
                return IncidentListApp.For(id!);
            }

            problems.Add(new InputError("app", reason!));
            return null;
        }

        var match = AppName().Match(value);
        if (!match.Success)
        {
            problems.Add(new InputError("app", "An app name (contoso-shop), a slot (contoso-shop/staging) or an App Service resource id."));
            return null;
        }

        var slot = match.Groups["slot"].Success ? match.Groups["slot"].Value.ToLowerInvariant() : null;
        return new IncidentListApp(slot is null ? TargetKind.Site : TargetKind.Slot, match.Groups["name"].Value.ToLowerInvariant(), slot, null);
    }

    private static HashSet<IncidentStatus> ParseStatuses(string? value, List<InputError> problems)
    {
        var statuses = new HashSet<IncidentStatus>();
        if (value is null)
        {
            return statuses;
        }

        var names = value.Split(',');
        if (value.Length > 200 || names.Length > Enum.GetValues<IncidentStatus>().Length)
        {
            problems.Add(new InputError("status", "Too many statuses."));
            return statuses;
        }

        foreach (var name in names)
        {
            // Names only: Enum.TryParse would also take numbers ("3") and padded text.
            var status = Enum.GetValues<IncidentStatus>().Where(s => string.Equals(s.ToString(), name, StringComparison.OrdinalIgnoreCase)).Cast<IncidentStatus?>().FirstOrDefault();
            if (status is null)
            {
                problems.Add(new InputError("status", $"'{Shorten(name)}' is not a status. Use one or more of {string.Join(", ", Enum.GetNames<IncidentStatus>())}, comma-separated."));
            }
            else
            {
                statuses.Add(status.Value);
            }
        }

        return statuses;
    }

    private static DateTimeOffset? ParseSince(string? value, List<InputError> problems)
    {
        if (value is null)
        {
            return null;
        }

        // An instant with its offset (2026-11-30T12:00:00Z): a time without one would be read in the server's zone.
        if (value.Length <= 40 && SinceShape().IsMatch(value) &&
            DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var since))
        {
            return since.ToUniversalTime();
        }

        problems.Add(new InputError("since", "An ISO 8601 instant with its offset, such as 2026-11-30T12:00:00Z."));
        return null;
    }

    private static int ParseTop(string? value, List<InputError> problems)
    {
        if (value is null)
        {
            return DefaultTop;
        }

        if (value.Length <= 3 && int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var top) && top is >= 1 and <= MaxTop)
        {
            return top;
        }

        problems.Add(new InputError("top", $"A whole number from 1 to {MaxTop}."));
        return DefaultTop;
    }

    private static string Shorten(string text) => InputText.Clean(text, 40)!;

    [GeneratedRegex(@"^(?<name>[\p{L}\p{Nd}](?:[\p{L}\p{Nd}\-]{0,58}[\p{L}\p{Nd}]))(?:/(?<slot>[\p{L}\p{Nd}](?:[\p{L}\p{Nd}\-]{0,57}[\p{L}\p{Nd}])?))?\z", RegexOptions.CultureInvariant)]
    private static partial Regex AppName();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,7})?)?(?:Z|[+-]\d{2}:\d{2})\z", RegexOptions.CultureInvariant)]
    private static partial Regex SinceShape();
}
