using System.Globalization;
using System.Text;
using AutoRemediate.Approvals;
using AutoRemediate.Azure;
using AutoRemediate.Diagnostics;
using AutoRemediate.Evidence;
using AutoRemediate.Http;
using AutoRemediate.Incidents;
using AutoRemediate.Shared;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace AutoRemediate.Pages;

/// <summary>
/// The incident pages for people, for both hosts: <c>GET /api/ui/incidents</c> (the list: live incidents first,
/// filters as a plain GET form, paging by continuation) and <c>GET /api/ui/incidents/{id}</c> (summary, timeline,
/// the metrics around the alert as an inline SVG, the evidence, the approval state, the export link). Server-rendered
/// HTML without scripts or external assets; every stored text is HTML-encoded. Read-only: a page never changes an
/// incident (no reconciling either). <see cref="IPageAccess"/> is asked first on every request.
/// </summary>
public sealed class IncidentPages
{
    /// <summary>The path of the list page; the detail page is this plus <c>/{id}</c>.</summary>
    public const string ListPath = "/api/ui/incidents";

    /// <summary>Largest metrics evidence blob read for the chart.</summary>
    public const long MaxMetricsBytes = 4 * 1024 * 1024;

    /// <summary>The most evidence blobs listed per container.</summary>
    public const int MaxEvidenceListed = 50;

    private static readonly IncidentStatus[] s_live = [IncidentStatus.Received, IncidentStatus.Investigating, IncidentStatus.AwaitingApproval, IncidentStatus.Mitigating, IncidentStatus.Verifying];
    private static readonly IncidentStatus[] s_final = [IncidentStatus.Resolved, IncidentStatus.Escalated, IncidentStatus.Cancelled];

    private const string Css =
        "body{max-width:60rem}a{color:#0b57a4}" +
        ".st{display:inline-block;padding:0 .45rem;border-radius:.3rem;font-size:.9rem;font-weight:600;color:#fff;background:#1f5fa8}" +
        ".st-Resolved{background:#1b6e3a}.st-Escalated{background:#a4262c}.st-Cancelled{background:#6b6b6b}.st-AwaitingApproval{background:#8a5a00}" +
        ".st-Mitigating,.st-Verifying{background:#6929c4}" +
        "ul.incidents{list-style:none;padding:0}ul.incidents li{border:1px solid #ddd;border-radius:.4rem;padding:.5rem .75rem;margin:.5rem 0}" +
        "ul.incidents .meta{color:#555;font-size:.9rem}" +
        "form.filters{display:grid;grid-template-columns:repeat(auto-fit,minmax(11rem,1fr));gap:.5rem 1rem;align-items:end}" +
        "form.filters label{margin-top:0}form.filters button{flex:none;padding:.55rem}" +
        "ol.timeline{padding-left:1.2rem}ol.timeline li{margin:.4rem 0}ol.timeline time{font-variant-numeric:tabular-nums;color:#555;font-size:.9rem;display:block}" +
        "figure.chart{margin:1rem 0}figure.chart svg{width:100%;height:auto;display:block}figcaption{font-size:.9rem;color:#555}" +
        ".kind{font-weight:600}nav.paging{margin:1rem 0}";

    private readonly IIncidentStore _store;
    private readonly IApprovalStore _approvals;
    private readonly EvidenceBlobs _evidence;
    private readonly IPageAccess _access;
    private readonly IncidentsEndpoint _api;
    private readonly IOptions<IngestOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger<IncidentPages> _logger;

    /// <summary>Creates the pages.</summary>
    public IncidentPages(IIncidentStore store, IApprovalStore approvals, EvidenceBlobs evidence, IPageAccess access, IncidentsEndpoint api, IOptions<IngestOptions> options,
        TimeProvider time, ILogger<IncidentPages> logger)
    {
        _api = api;
        _store = store;
        _approvals = approvals;
        _evidence = evidence;
        _access = access;
        _options = options;
        _time = time;
        _logger = logger;
    }

    /// <summary>The list page: <c>?app=&amp;status=&amp;since=&amp;continuation=</c>, every one optional; an empty field counts as not given.</summary>
    public async Task<IResult> ListAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (await _access.RefuseAsync(request, cancellationToken).ConfigureAwait(false) is { } refused)
        {
            return refused;
        }

        var form = FormValues(request.Query);
        if (IncidentListRequest.TryParse(new QueryCollection(form), out var errors) is not { } query || form.ContainsKey("top"))
        {
            var problems = errors.ToList();
            if (form.ContainsKey("top"))
            {
                problems.Add(new InputError("top", "The pages show a fixed number of incidents; leave top out."));
            }

            Log.IncidentPageRefused(_logger, "list", problems.Count);
            return HtmlPage.Message(StatusCodes.Status400BadRequest, "This list cannot be shown",
                "Nothing was changed. Fix the filter and try again: " + string.Join(" ", problems.Select(p => $"{p.Field}: {p.Message}")));
        }

        return await GuardAsync(async ct =>
        {
            var body = new StringBuilder();
            body.Append(FilterForm(form));
            var live = new List<IncidentRecord>();
            IncidentPage rest;
            if (query.Statuses.Count == 0)
            {
                // Live incidents above the rest: on the first page, every live one; the paged list holds the closed ones.
                if (query.Continuation is null)
                {
                    live.AddRange((await _store.ListAsync(query with { Statuses = s_live.ToHashSet(), Top = IncidentListRequest.MaxTop, Continuation = null }, ct).ConfigureAwait(false)).Items);
                }

                rest = await _store.ListAsync(query with { Statuses = s_final.ToHashSet() }, ct).ConfigureAwait(false);
            }
            else
            {
                var page = await _store.ListAsync(query, ct).ConfigureAwait(false);
                live.AddRange(page.Items.Where(i => !i.HasFinalStatus));
                rest = page with { Items = page.Items.Where(i => i.HasFinalStatus).ToList() };
            }

            if (query.Continuation is null || live.Count > 0)
            {
                body.Append("<section class=\"live\"><h2>Live</h2>").Append(live.Count == 0 ? HtmlPage.Paragraph("No live incident.") : Items(live)).Append("</section>");
            }

            body.Append("<section class=\"closed\"><h2>").Append(query.Continuation is null ? "Ended" : "Ended (older)").Append("</h2>")
                .Append(rest.Items.Count == 0 ? HtmlPage.Paragraph("No incident here.") : Items(rest.Items)).Append("</section>");
            body.Append("<nav class=\"paging\">");
            if (query.Continuation is not null)
            {
                body.Append("<a href=\"").Append(HtmlPage.Encode(Link(form, null))).Append("\">Newest</a> ");
            }

            if (rest.Continuation is { } next)
            {
                body.Append("<a rel=\"next\" href=\"").Append(HtmlPage.Encode(Link(form, next))).Append("\">Older incidents</a>");
            }

            body.Append("</nav>");
            return new HtmlPage(StatusCodes.Status200OK, HtmlPage.Document("Incidents", body.ToString(), Css));
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The postmortem download from the incident page (<c>/api/ui/incidents/{id}/export</c>): the same Markdown as
    /// <c>GET /api/incidents/{id}/export</c>, behind the pages' access check instead of a function key, so a person who
    /// may see the page can download it from the browser.
    /// </summary>
    public async Task<IResult> ExportAsync(HttpRequest request, string? incidentId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (await _access.RefuseAsync(request, cancellationToken).ConfigureAwait(false) is { } refused)
        {
            return refused;
        }

        return IncidentIds.IsWellFormed(incidentId) && request.Query.Count == 0
            ? await _api.ExportAsync(incidentId, cancellationToken).ConfigureAwait(false)
            : HtmlPage.Message(StatusCodes.Status400BadRequest, "This is not an incident export",
                "Export links look like /api/ui/incidents/inc-20261130-5d71b9ceb312a7d0/export, without parameters. Nothing was changed.");
    }

    /// <summary>The detail page of one incident. It takes no query parameters.</summary>
    public async Task<IResult> DetailAsync(HttpRequest request, string? incidentId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (await _access.RefuseAsync(request, cancellationToken).ConfigureAwait(false) is { } refused)
        {
            return refused;
        }

        if (!IncidentIds.IsWellFormed(incidentId))
        {
            Log.IncidentPageRefused(_logger, "detail", 1);
            return HtmlPage.Message(StatusCodes.Status400BadRequest, "This is not an incident id",
                "Incident ids look like inc-20261130-5d71b9ceb312a7d0. Nothing was changed; go back to the incident list.");
        }

        if (request.Query.Count > 0)
        {
            Log.IncidentPageRefused(_logger, "detail", request.Query.Count);
            return HtmlPage.Message(StatusCodes.Status400BadRequest, "This page takes no parameters",
                "Open the incident without anything after '?'. Nothing was changed.");
        }

        return await GuardAsync(async ct =>
        {
            var incident = await _store.GetAsync(incidentId!, ct).ConfigureAwait(false);
            if (incident is null)
            {
                return HtmlPage.Message(StatusCodes.Status404NotFound, "No such incident",
                    $"There is no incident {incidentId}. It may have been removed after the retention period; go back to the incident list.");
            }

            incident = await _store.WithRepeatsAsync(incident, ct).ConfigureAwait(false);
            var timeline = await _store.GetTimelineAsync(incident.IncidentId, ct).ConfigureAwait(false);
            var approval = incident.PendingApproval is { } pending ? await _approvals.GetAsync(incident.IncidentId, pending, ct).ConfigureAwait(false) : null;
            var series = await _evidence.ReadJsonAsync<List<MetricSeries>>(incident.IncidentId, MetricsActivities.MetricsBlobName, MaxMetricsBytes, ct).ConfigureAwait(false);
            var criteria = await _evidence.ReadJsonAsync<List<AlertCriterion>>(incident.IncidentId, MetricsActivities.CriteriaBlobName, 64 * 1024, ct).ConfigureAwait(false);
            var blobs = await _evidence.ListAsync(incident.IncidentId, MaxEvidenceListed, ct).ConfigureAwait(false);
            // Restarts that keep coming back: the earlier incidents' dumps are where the cause may show.
            var earlier = (incident.EarlierIncidents ?? []).Where(IncidentIds.IsWellFormed).Take(Decisions.Recurrence.MaxIncidents).ToList();
            var earlierDumps = await Task.WhenAll(earlier.Select(async id =>
                (Id: id, Dumps: (await _evidence.ListAsync(id, 5, ct).ConfigureAwait(false)).Where(b => b.IsDump).ToList()))).ConfigureAwait(false);
            return new HtmlPage(StatusCodes.Status200OK, HtmlPage.Document("Incident " + incident.IncidentId,
                Detail(incident, timeline, approval, series, criteria, blobs, _time.GetUtcNow(), earlierDumps.ToDictionary(e => e.Id, e => (IReadOnlyList<EvidenceBlob>)e.Dumps)), Css));
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The body of the detail page (pure: for the pages and their tests).</summary>
    internal static string Detail(IncidentRecord incident, IReadOnlyList<TimelineEntry> timeline, ApprovalRecord? approval, IReadOnlyList<MetricSeries>? series,
        IReadOnlyList<AlertCriterion>? criteria, IReadOnlyList<EvidenceBlob> blobs, DateTimeOffset now, IReadOnlyDictionary<string, IReadOnlyList<EvidenceBlob>>? earlierDumps = null)
    {
        var body = new StringBuilder();
        body.Append("<p><a href=\"").Append(ListPath).Append("\">All incidents</a></p>");
        body.Append("<dl class=\"summary\">");
        Row(body, "Status", StatusBadge(incident.Status) + (incident.IsClosedAt(now) ? string.Empty : " (live)"), raw: true);
        Row(body, "Summary", incident.Summary);
        Row(body, "App", AppName(incident.TargetResourceId));
        Row(body, "Resource", incident.TargetResourceId);
        Row(body, "Alert rule", incident.AlertRule);
        if (incident.AlertRules is { Count: > 1 } rules)
        {
            Row(body, "All rules", string.Join(", ", rules));
        }

        Row(body, "Severity", incident.Severity);
        Row(body, "Opened", Time(incident.CreatedAt));
        Row(body, "Last change", Time(incident.UpdatedAt));
        if (incident.RepeatCount > 0)
        {
            Row(body, "Repeats", incident.RepeatCount.ToString(CultureInfo.InvariantCulture) + (incident.RepeatCountCapped ? "+" : string.Empty)
                + (incident.LastRepeatAt is { } lastRepeat ? $" (last {Time(lastRepeat)})" : string.Empty));
        }

        body.Append("</dl>");

        if (incident.Recurrence is { } recurrence)
        {
            body.Append("<h2>Recurring</h2><p class=\"recurring\">").Append(HtmlPage.Encode(recurrence)).Append(".</p>");
            if (earlierDumps is { Count: > 0 })
            {
                body.Append("<ul class=\"earlier\">");
                foreach (var (id, dumps) in earlierDumps)
                {
                    body.Append("<li><a href=\"").Append(ListPath).Append('/').Append(HtmlPage.Encode(id)).Append("\">").Append(HtmlPage.Encode(id)).Append("</a>");
                    body.Append(dumps.Count == 0 ? ": no dump stored" : ": dump " + string.Join(", ", dumps.Select(d => "<code>" + HtmlPage.Encode(d.Path) + "</code>")));
                    body.Append("</li>");
                }

                body.Append("</ul>");
            }
        }

        body.Append("<h2>Approval</h2>").Append(ApprovalSection(incident, approval, timeline, now));

        body.Append("<h2>Metrics around the alert</h2>");
        var action = timeline.LastOrDefault(t => t.Kind == TimelineKinds.ActionTaken);
        var chart = series is null ? null : IncidentChart.Render(series, criteria?.FirstOrDefault(), action?.At, action is null ? null : "action");
        body.Append(chart ?? HtmlPage.Paragraph(series is null ? "No metrics were stored for this incident." : "The stored metrics hold no figures to draw."));

        body.Append("<h2>Timeline</h2>");
        if (timeline.Count == 0)
        {
            body.Append(HtmlPage.Paragraph("Nothing recorded yet."));
        }
        else
        {
            body.Append("<ol class=\"timeline\">");
            foreach (var entry in timeline)
            {
                body.Append("<li><time datetime=\"").Append(HtmlPage.Encode(entry.At.UtcDateTime.ToString("O", CultureInfo.InvariantCulture))).Append("\">")
                    .Append(HtmlPage.Encode(Time(entry.At, seconds: true))).Append("</time><span class=\"kind\">").Append(HtmlPage.Encode(entry.Kind)).Append("</span> ")
                    .Append(HtmlPage.Encode(entry.Message)).Append("</li>");
            }

            body.Append("</ol>");
        }

        body.Append("<h2>Evidence</h2>");
        if (blobs.Count == 0)
        {
            body.Append(HtmlPage.Paragraph("No evidence blob or dump is stored for this incident."));
        }
        else
        {
            body.Append("<p>In the storage account (Blob Storage):</p><ul class=\"evidence\">");
            foreach (var blob in blobs)
            {
                body.Append("<li><code>").Append(HtmlPage.Encode(blob.Path)).Append("</code> (").Append(HtmlPage.Encode(blob.Bytes.ToString("N0", CultureInfo.InvariantCulture))).Append(" bytes)</li>");
            }

            body.Append("</ul>");
        }

        body.Append("<h2>Export</h2><p><a class=\"export\" href=\"").Append(ListPath).Append('/').Append(HtmlPage.Encode(incident.IncidentId))
            .Append("/export\" download>Download the postmortem (Markdown)</a></p>");
        return body.ToString();
    }

    private static string ApprovalSection(IncidentRecord incident, ApprovalRecord? approval, IReadOnlyList<TimelineEntry> timeline, DateTimeOffset now)
    {
        if (incident.PendingApproval is null)
        {
            var last = timeline.LastOrDefault(t => t.Kind is TimelineKinds.ApprovalGranted or TimelineKinds.ApprovalRejected or TimelineKinds.ApprovalRequested);
            return HtmlPage.Paragraph(last is null ? "No approval was asked for." : $"Not waiting for an approval. Last: {last.Message}");
        }

        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"Waiting for a decision on request {incident.PendingApproval}");
        if (approval is not null)
        {
            text.Append(CultureInfo.InvariantCulture, $" ({approval.Plan}), asked {Time(approval.RequestedAt)}, expires {Time(approval.ExpiresAt)}");
            if (approval.ExpiresAt <= now)
            {
                text.Append(" (expired)");
            }
        }

        text.Append('.');
        // The mail's link is the approver's credential: the page names who got it, never the link itself.
        var mailed = timeline.LastOrDefault(t => t.Kind == TimelineKinds.ApprovalMailed);
        var how = mailed is null
            ? $"Decide with POST /api/incidents/{incident.IncidentId}/decision as an approver."
            : $"An approval mail went out ({mailed.Message}); decide from its link, or with POST /api/incidents/{incident.IncidentId}/decision as an approver.";
        return "<p class=\"waiting\">" + HtmlPage.Encode(text.ToString()) + "</p>" + HtmlPage.Paragraph(how);
    }

    private static string Items(IEnumerable<IncidentRecord> incidents)
    {
        var sb = new StringBuilder("<ul class=\"incidents\">");
        foreach (var i in incidents)
        {
            sb.Append("<li>").Append(StatusBadge(i.Status)).Append(" <a href=\"").Append(ListPath).Append('/').Append(HtmlPage.Encode(i.IncidentId)).Append("\">")
                .Append(HtmlPage.Encode(AppName(i.TargetResourceId))).Append(": ").Append(HtmlPage.Encode(i.AlertRule)).Append("</a>")
                .Append("<div>").Append(HtmlPage.Encode(i.Summary)).Append("</div>")
                .Append("<div class=\"meta\">").Append(HtmlPage.Encode($"{i.IncidentId} \u00b7 {i.Severity} \u00b7 opened {Time(i.CreatedAt)} \u00b7 changed {Time(i.UpdatedAt)}")).Append("</div></li>");
        }

        return sb.Append("</ul>").ToString();
    }

    private static string FilterForm(IReadOnlyDictionary<string, StringValues> form)
    {
        string Value(string key) => form.TryGetValue(key, out var v) && v.Count == 1 ? v[0] ?? string.Empty : string.Empty;
        var status = Value("status");
        var sb = new StringBuilder("<form class=\"filters\" method=\"get\" action=\"").Append(ListPath).Append("\">");
        sb.Append("<div><label for=\"app\">App</label><input id=\"app\" name=\"app\" maxlength=\"400\" placeholder=\"contoso-shop\" value=\"").Append(HtmlPage.Encode(Value("app"))).Append("\"></div>");
        sb.Append("<div><label for=\"status\">Status</label><select id=\"status\" name=\"status\"><option value=\"\">any</option>");
        foreach (var s in Enum.GetNames<IncidentStatus>())
        {
            sb.Append("<option").Append(string.Equals(s, status, StringComparison.OrdinalIgnoreCase) ? " selected" : string.Empty).Append('>').Append(s).Append("</option>");
        }

        sb.Append("</select></div>");
        sb.Append("<div><label for=\"since\">Opened since (UTC)</label><input id=\"since\" name=\"since\" type=\"datetime-local\" value=\"").Append(HtmlPage.Encode(SinceForInput(Value("since")))).Append("\"></div>");
        sb.Append("<div><button>Show</button></div></form>");
        return sb.ToString();
    }

    // What the list link carries: the filters as given (without empties) and the continuation.
    private static string Link(IReadOnlyDictionary<string, StringValues> form, string? continuation)
    {
        var qb = new QueryBuilder();
        foreach (var (key, values) in form)
        {
            if (key is not "continuation")
            {
                qb.Add(key, values.ToString());
            }
        }

        if (continuation is not null)
        {
            qb.Add("continuation", continuation);
        }

        return ListPath + qb.ToQueryString().Value;
    }

    // The form sends every field, empty when not filled in: those count as not given. A datetime-local field sends
    // 2026-11-30T12:00 (no seconds, no offset): the page says it is UTC, so it is read as UTC. Everything else is left
    // as sent, for the list API's own parser to judge.
    internal static Dictionary<string, StringValues> FormValues(IQueryCollection query)
    {
        var form = new Dictionary<string, StringValues>(StringComparer.Ordinal);
        foreach (var (key, values) in query)
        {
            if (values.Count == 1 && key is ("app" or "status" or "since") && string.IsNullOrEmpty(values[0]))
            {
                continue;
            }

            form[key] = key == "since" && values.Count == 1 && values[0] is { Length: 16 or 19 } local && local[10] == 'T' && !local.EndsWith('Z')
                && DateTime.TryParseExact(local, ["yyyy-MM-ddTHH:mm", "yyyy-MM-ddTHH:mm:ss"], CultureInfo.InvariantCulture, DateTimeStyles.None, out _)
                ? new StringValues(local + (local.Length == 16 ? ":00Z" : "Z"))
                : values;
        }

        return form;
    }

    private static string SinceForInput(string since) =>
        DateTimeOffset.TryParse(since, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            ? at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm", CultureInfo.InvariantCulture)
            : string.Empty;

    private static string StatusBadge(IncidentStatus status) => $"<span class=\"st st-{status}\">{status}</span>";

    private static void Row(StringBuilder sb, string label, string value, bool raw = false) =>
        sb.Append("<dt>").Append(HtmlPage.Encode(label)).Append("</dt><dd>").Append(raw ? value : HtmlPage.Encode(value)).Append("</dd>");

    private static string AppName(string resourceId) => ResourceIds.TryParse(resourceId, out var id) ? id!.DisplayName : resourceId;

    private static string Time(DateTimeOffset at, bool seconds = false) =>
        at.UtcDateTime.ToString(seconds ? "yyyy-MM-dd HH:mm:ss 'UTC'" : "yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    // Pages answer people: storage that is down gives a page saying so (503, Retry-After), not JSON.
    private async Task<IResult> GuardAsync(Func<CancellationToken, Task<IResult>> work, CancellationToken cancellationToken)
    {
        var result = await DependencyFailures.GuardAsync(work, _options.Value.DependencyTimeout, "Incident storage", _logger, cancellationToken).ConfigureAwait(false);
        return result is HtmlPage
            ? result
            : HtmlPage.Unavailable("Try again in a minute", "The incident pages cannot reach their storage right now. Nothing was changed; reload in a minute.");
    }
}
