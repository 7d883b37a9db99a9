using System.Buffers;
using System.Globalization;
using System.Net;
using System.Text;
using AutoRemediate.Http;
using AutoRemediate.Incidents;
using AutoRemediate.Shared;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace AutoRemediate.Approvals;

/// <summary>
/// <c>GET</c> and <c>POST /api/approve/{token}</c> for both hosts: the review page an approval link opens,
/// and the form on it. Anonymous: the link is the credential, and the one-time code from the mail is the
/// second factor a mail scanner following the link does not have. GET changes nothing but the link's open
/// count (and one <see cref="TimelineKinds.LinkOpened"/> entry per link); only a POST with the right code
/// decides, through <see cref="ApprovalDecisions"/>, as the addressed approver and only on the link's own
/// request. Pages are server-rendered HTML without scripts or external assets.
/// </summary>
public sealed class ApprovalLinkPages
{
    /// <summary>Largest form body accepted.</summary>
    public const int MaxFormBytes = 8 * 1024;

    /// <summary>Longest comment kept.</summary>
    public const int MaxCommentLength = 1000;

    private const int MaxAddressLength = 64;
    private readonly TableApprovalLinks _links;
    private readonly IIncidentStore _store;
    private readonly IApprovalStore _approvals;
    private readonly ApprovalDecisions _decisions;
    private readonly TimeProvider _time;
    private readonly IOptions<IngestOptions> _options;
    private readonly ILogger<ApprovalLinkPages> _logger;

    /// <summary>Creates the pages.</summary>
    public ApprovalLinkPages(TableApprovalLinks links, IIncidentStore store, IApprovalStore approvals, ApprovalDecisions decisions, TimeProvider time,
        IOptions<IngestOptions> options, ILogger<ApprovalLinkPages> logger)
    {
        _links = links;
        _store = store;
        _approvals = approvals;
        _decisions = decisions;
        _time = time;
        _options = options;
        _logger = logger;
    }

    /// <summary>The review page. Changes nothing but the link's open count.</summary>
    public async Task<IResult> GetAsync(string? token, CancellationToken cancellationToken)
    {
        if (!ApprovalLinkSecrets.IsWellFormedToken(token))
        {
            return ApprovalPage.Invalid();
        }

        return await GuardPageAsync(async ct =>
        {
            var link = await _links.FindAsync(token!, ct).ConfigureAwait(false);
            if (link is null)
            {
                return ApprovalPage.Invalid();
            }

            var now = _time.GetUtcNow();
            (var first, link) = await _links.RecordOpenedAsync(link, now, ct).ConfigureAwait(false);
            if (first)
            {
                await _store.AppendExternalAsync(link.IncidentId, "approval-link-opened:" + link.TokenHash, now, TimelineKinds.LinkOpened,
                    $"The approval link sent to {link.Approver} for {link.ApprovalId} was opened (opening it decides nothing).", ct).ConfigureAwait(false);
            }

            var view = await ViewAsync(link, ct).ConfigureAwait(false);
            return view.Kind == ViewKind.Open ? ApprovalPage.Form(view, null, StatusCodes.Status200OK) : ApprovalPage.State(view);
        }, "Incident storage", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The form: the code, approve or reject, and a comment.</summary>
    public async Task<IResult> PostAsync(HttpRequest request, string? token, DurableTaskClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(client);
        if (!ApprovalLinkSecrets.IsWellFormedToken(token))
        {
            return ApprovalPage.Invalid();
        }

        var (form, problem) = await ReadFormAsync(request, cancellationToken).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        return await GuardPageAsync(async ct =>
        {
            var link = await _links.FindAsync(token!, ct).ConfigureAwait(false);
            if (link is null)
            {
                return ApprovalPage.Invalid();
            }

            var view = await ViewAsync(link, ct).ConfigureAwait(false);
            // The link's log lines (locked, decided) carry the incident and app like the workflow's.
            using var logScope = IncidentLogScope.Begin(_logger, link.IncidentId, view.Incident?.TargetResourceId);
            if (view.Kind == ViewKind.Decided)
            {
                // A late or repeated click: the page of the final state, not an error.
                return ApprovalPage.SeeOther(request);
            }

            if (view.Kind != ViewKind.Open)
            {
                return ApprovalPage.State(view);
            }

            var code = form.TryGetValue("code", out var c) ? c.ToString() : string.Empty;
            if (string.IsNullOrWhiteSpace(code))
            {
                return ApprovalPage.Form(view, "Enter the code from the mail.", StatusCodes.Status400BadRequest);
            }

            if (!ApprovalLinkSecrets.CodeMatches(link, token!, code))
            {
                var (lockedNow, current) = await _links.RecordWrongCodeAsync(link, ct).ConfigureAwait(false);
                if (lockedNow)
                {
                    await _store.AppendExternalAsync(current.IncidentId, "approval-link-locked:" + current.TokenHash, _time.GetUtcNow(), TimelineKinds.LinkLocked,
                        $"The approval link sent to {current.Approver} for {current.ApprovalId} was locked after {TableApprovalLinks.MaxFailedTries} wrong codes; it decides nothing any more.", ct).ConfigureAwait(false);
                    Log.ApprovalLinkLocked(_logger, current.IncidentId, current.ApprovalId, current.FailedTries);
                }

                if (current.State == ApprovalLinkState.Locked)
                {
                    return ApprovalPage.State(view with { Kind = ViewKind.Locked, Link = current });
                }

                var left = TableApprovalLinks.MaxFailedTries - current.FailedTries;
                return ApprovalPage.Form(view with { Link = current }, $"That code is not right. {left} {(left == 1 ? "try" : "tries")} left before this link is locked.", StatusCodes.Status403Forbidden);
            }

            var decision = form.TryGetValue("decision", out var d) ? d.ToString() : string.Empty;
            bool approve;
            if (string.Equals(decision, "approve", StringComparison.Ordinal))
            {
                approve = true;
            }
            else if (string.Equals(decision, "reject", StringComparison.Ordinal))
            {
                approve = false;
            }
            else
            {
                return ApprovalPage.Form(view, "Choose Approve or Reject.", StatusCodes.Status400BadRequest);
            }

            var comment = form.TryGetValue("comment", out var text) && !string.IsNullOrWhiteSpace(text.ToString())
                ? InputText.Clean(text.ToString().Trim(), MaxCommentLength)
                : null;
            var from = ClientAddress(request);

            // Only the link's own incident and request: nothing in the form or the URL names another.
            var outcome = await _decisions.DecideAsync(link.IncidentId, new DecisionRequest(link.ApprovalId, approve, link.Approver, comment, from), client, ct).ConfigureAwait(false);
            Log.ApprovalLinkDecision(_logger, link.IncidentId, link.ApprovalId, outcome.Disposition.ToString());
            if (outcome.Disposition == DecisionDisposition.Forwarded)
            {
                await _links.MarkSpentAsync(link, link.Approver, from, outcome.Approval?.DecidedAt ?? _time.GetUtcNow(), ct).ConfigureAwait(false);
                return ApprovalPage.SeeOther(request);
            }

            var after = await ViewAsync(link, ct).ConfigureAwait(false);
            return after.Kind == ViewKind.Open
                ? ApprovalPage.State(after with { Kind = ViewKind.NoLongerNeeded, Detail = outcome.Detail })
                : ApprovalPage.State(after);
        }, "Incident storage or the workflow backend", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The client's address for the record: the first X-Forwarded-For hop (App Service's front end and the
    /// Functions host put the client there), else the connection's remote address. Informational only, never
    /// an authorization input; capped and accepted only when it parses as an IP address.
    /// </summary>
    public static string? ClientAddress(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var forwarded = request.Headers["X-Forwarded-For"].ToString();
        if (forwarded.Length > 0)
        {
            var first = forwarded.Split(',')[0].Trim();
            if (first.Length <= MaxAddressLength && ParseAddress(first) is { } parsed)
            {
                return parsed;
            }
        }

        return request.HttpContext.Connection.RemoteIpAddress?.ToString();
    }

    // "203.0.113.7", "203.0.113.7:51234", "[2001:db8::1]:443" or "2001:db8::1".
    private static string? ParseAddress(string text)
    {
        if (IPAddress.TryParse(text, out var ip))
        {
            return ip.ToString();
        }

        return IPEndPoint.TryParse(text, out var endpoint) ? endpoint.Address.ToString() : null;
    }

    private static async Task<(Dictionary<string, Microsoft.Extensions.Primitives.StringValues> Form, IResult? Problem)> ReadFormAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var media) || !media.MediaType.Equals("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
        {
            return ([], ApprovalPage.Message(StatusCodes.Status415UnsupportedMediaType, "Not a form", "Send the decision with the form on the approval page."));
        }

        if (request.ContentLength > MaxFormBytes)
        {
            return ([], TooLarge());
        }

        var buffer = new ArrayBufferWriter<byte>(1024);
        while (true)
        {
            var memory = buffer.GetMemory(4096);
            var read = await request.Body.ReadAsync(memory, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            buffer.Advance(read);
            if (buffer.WrittenCount > MaxFormBytes)
            {
                return ([], TooLarge());
            }
        }

        var text = Encoding.UTF8.GetString(buffer.WrittenSpan);
        using var reader = new FormReader(text);
        return (reader.ReadForm(), null);

        static IResult TooLarge() => ApprovalPage.Message(StatusCodes.Status413PayloadTooLarge, "Too much text", $"The form may carry at most {MaxFormBytes:N0} bytes; shorten the comment.");
    }

    private async Task<View> ViewAsync(ApprovalLink link, CancellationToken cancellationToken)
    {
        var incident = await _store.GetAsync(link.IncidentId, cancellationToken).ConfigureAwait(false);
        var approval = await _approvals.GetAsync(link.IncidentId, link.ApprovalId, cancellationToken).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        var view = new View(ViewKind.Open, link, incident, approval, null, null);
        if (link.State == ApprovalLinkState.Locked)
        {
            return view with { Kind = ViewKind.Locked };
        }

        if (incident is null || approval is null)
        {
            return view with { Kind = ViewKind.NoLongerNeeded, Detail = "The approval request no longer exists." };
        }

        if (approval.IsDecided)
        {
            var byThisApprover = link.State == ApprovalLinkState.Spent || string.Equals(approval.DecidedBy, link.Approver, StringComparison.OrdinalIgnoreCase);
            return view with { Kind = byThisApprover ? ViewKind.Decided : ViewKind.DecidedByOther };
        }

        if (approval.State == ApprovalState.TimedOut || now >= approval.ExpiresAt || now >= link.ExpiresAt)
        {
            return view with { Kind = ViewKind.Expired };
        }

        if (approval.State == ApprovalState.Withdrawn && incident.Status == IncidentStatus.Cancelled)
        {
            return view with { Kind = ViewKind.NoLongerNeeded, Detail = $"The incident was cancelled at {Format(approval.DecidedAt)} before anyone decided: {incident.Summary}" };
        }

        if (approval.State == ApprovalState.Withdrawn)
        {
            return view with { Kind = ViewKind.NoLongerNeeded, Detail = $"The request was withdrawn at {Format(approval.DecidedAt)} before anyone decided (the alert resolved, or the incident was cancelled); nothing needs doing." };
        }

        if (incident.HasFinalStatus)
        {
            return view with { Kind = ViewKind.NoLongerNeeded, Detail = $"The incident is closed ({incident.Status}): {incident.Summary}" };
        }

        if (!string.Equals(incident.PendingApproval, link.ApprovalId, StringComparison.Ordinal))
        {
            return view with { Kind = ViewKind.Superseded };
        }

        var timeline = await _store.GetTimelineAsync(link.IncidentId, cancellationToken).ConfigureAwait(false);
        var why = timeline.LastOrDefault(t => t.Kind == TimelineKinds.PlanChosen)?.Message;
        return view with { Why = why };
    }

    internal static string Format(DateTimeOffset? at) => at?.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture) ?? "an unknown time";

    internal enum ViewKind
    {
        Open,
        Decided,
        DecidedByOther,
        Expired,
        Superseded,
        NoLongerNeeded,
        Locked,
    }

    // The pages answer people: a dependency that is down gives a page that says so (503, Retry-After), not JSON.
    private async Task<IResult> GuardPageAsync(Func<CancellationToken, Task<IResult>> work, string what, CancellationToken cancellationToken)
    {
        var result = await DependencyFailures.GuardAsync(work, _options.Value.DependencyTimeout, what, _logger, cancellationToken).ConfigureAwait(false);
        return result switch
        {
            HtmlPage => result,
            IStatusCodeHttpResult { StatusCode: StatusCodes.Status400BadRequest } => ApprovalPage.Message(StatusCodes.Status400BadRequest, "This request cannot be stored",
                "A value in it is too large or holds characters storage does not accept; nothing was changed."),
            _ => ApprovalPage.Unavailable(),
        };
    }

    internal sealed record View(ViewKind Kind, ApprovalLink Link, IncidentRecord? Incident, ApprovalRecord? Approval, string? Why, string? Detail);

    /// <summary>The approval pages, in the shared layout (<see cref="HtmlPage"/>).</summary>
    private static class ApprovalPage
    {
        public static IResult Invalid() => Message(StatusCodes.Status404NotFound, "This link is not valid",
            "The approval link is not one we issued, or it was cut short or altered. Open the whole link from the mail; nothing was changed.");

        public static IResult Message(int status, string title, string text) => HtmlPage.Message(status, title, text);

        public static IResult Unavailable() => HtmlPage.Unavailable("Try again in a minute",
            "The approval service cannot reach its storage right now. Nothing was recorded or decided, and the link still works: open it again in a minute.");

        public static IResult SeeOther(HttpRequest request) =>
            new HtmlPage(StatusCodes.Status303SeeOther, Document("Decision recorded", P("See the approval page.")), (request.PathBase + request.Path).ToString());

        public static IResult Form(View view, string? error, int status)
        {
            var body = new StringBuilder();
            body.Append(Summary(view));
            if (error is not null)
            {
                body.Append("<p class=\"error\" role=\"alert\">").Append(E(error)).Append("</p>");
            }

            body.Append("<form method=\"post\">")
                .Append("<label for=\"code\">Code from the mail</label>")
                .Append("<input id=\"code\" name=\"code\" autocomplete=\"one-time-code\" autocapitalize=\"characters\" spellcheck=\"false\" maxlength=\"16\" required placeholder=\"XXXX-XXXX\">")
                .Append("<label for=\"comment\">Comment (optional)</label>")
                .Append(CultureInfo.InvariantCulture, $"<textarea id=\"comment\" name=\"comment\" rows=\"3\" maxlength=\"{MaxCommentLength}\"></textarea>")
                .Append("<div class=\"buttons\"><button name=\"decision\" value=\"approve\">Approve</button>")
                .Append("<button name=\"decision\" value=\"reject\" class=\"reject\">Reject</button></div>")
                .Append("</form>")
                .Append(P($"Deciding as {view.Link.Approver}. Opening this page decided nothing; only the button with the right code does. After {TableApprovalLinks.MaxFailedTries} wrong codes the link is locked."));
            return new HtmlPage(status, Document("Approval needed", body.ToString()));
        }

        public static IResult State(View view)
        {
            var a = view.Approval;
            var (status, title, text) = view.Kind switch
            {
                ViewKind.Decided => (StatusCodes.Status200OK, a?.State == ApprovalState.Approved ? "Approved" : "Rejected",
                    $"{(a?.State == ApprovalState.Approved ? "Approved" : "Rejected")} by {a?.DecidedBy} at {Format(a?.DecidedAt)}{(a?.From is { } f ? $" from {f}" : string.Empty)}. " +
                    $"{(a?.Comment is { } c ? $"Comment: \u201c{c}\u201d. " : string.Empty)}This is the final decision on this request; the link decides nothing more."),
                ViewKind.DecidedByOther => (StatusCodes.Status409Conflict, "Already decided",
                    $"Already {(a?.State == ApprovalState.Approved ? "approved" : "rejected")} by {a?.DecidedBy} at {Format(a?.DecidedAt)}. Your link changed nothing."),
                ViewKind.Expired => (StatusCodes.Status410Gone, "This link has expired",
                    $"The request expired at {Format(a is null ? view.Link.ExpiresAt : a.ExpiresAt)} without a decision through this link; nothing was changed. On-call has taken over."),
                ViewKind.Superseded => (StatusCodes.Status410Gone, "This request was replaced",
                    $"This link is for an earlier request ({view.Link.ApprovalId}); the incident now waits on {(view.Incident?.PendingApproval is { } p ? $"request {p}, with a newer mail" : "no approval")}. Nothing was changed."),
                ViewKind.NoLongerNeeded => (StatusCodes.Status410Gone, "No longer needed", (view.Detail ?? "The request is no longer open.") + " Nothing was changed."),
                _ => (StatusCodes.Status423Locked, "This link is locked",
                    $"Too many wrong codes were entered ({TableApprovalLinks.MaxFailedTries}), so this link decides nothing any more, even with the right code. Nothing was changed. Ask on-call, or use another approver's link."),
            };
            return new HtmlPage(status, Document(title, Summary(view) + P(text)));
        }

        private static string Summary(View view)
        {
            var link = view.Link;
            var incident = view.Incident;
            var sb = new StringBuilder("<dl>");
            Row(sb, "Incident", link.IncidentId);
            if (incident is not null)
            {
                Row(sb, "App", AppName(incident.TargetResourceId));
                Row(sb, "Alert rule", incident.AlertRule);
                Row(sb, "Status", incident.Status.ToString());
            }

            Row(sb, "Plan", link.Plan);
            if (view.Why is { } why)
            {
                Row(sb, "Why", why);
            }

            Row(sb, "Request", link.ApprovalId);
            Row(sb, "Expires", Format(view.Approval?.ExpiresAt ?? link.ExpiresAt));
            return sb.Append("</dl>").ToString();
        }

        private static void Row(StringBuilder sb, string label, string value) => sb.Append("<dt>").Append(E(label)).Append("</dt><dd>").Append(E(value)).Append("</dd>");

        private static string AppName(string resourceId)
        {
            var trimmed = resourceId.TrimEnd('/');
            var slash = trimmed.LastIndexOf('/');
            return slash >= 0 ? trimmed[(slash + 1)..] : trimmed;
        }

        private static string P(string text) => HtmlPage.Paragraph(text);

        private static string E(string text) => HtmlPage.Encode(text);

        private static string Document(string title, string body) => HtmlPage.Document(title, body);
    }
}
