using System.Globalization;
using System.Net;
using System.Text;
using AutoRemediate.Actions;
using AutoRemediate.Approvals;
using AutoRemediate.Incidents;
using AutoRemediate.Shared;

namespace AutoRemediate.Notify;

/// <summary>
/// Composes the mails approvers get: pure functions, no I/O. Every text that comes from outside (the
/// alert's rule and description, app names, findings) is HTML-encoded in the HTML part. The link
/// carries only the token; the one-time code is printed in the body and never in the link.
/// </summary>
public static class ApprovalMail
{
    /// <summary>The longest outside text a mail repeats (alert description, findings).</summary>
    public const int MaxText = 1000;

    /// <summary>The approval request for one approver.</summary>
    public static MailContent Request(ApprovalMailRequest request, Uri link, string code)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(link);
        ArgumentException.ThrowIfNullOrEmpty(code);
        var app = AppName(request.TargetResourceId);
        var d = request.Decision;
        var subject = Line($"{(request.Reminder ? "Reminder: approval" : "Approval")} needed: {d.Plan} on {app} (alert '{request.Alert.Rule}', {request.Alert.Severity})");
        var sections = new List<(string Title, IReadOnlyList<string> Lines)>
        {
            ("The alert", [
                $"Rule: {request.Alert.Rule}",
                $"Severity: {request.Alert.Severity}",
                $"Fired at: {Time(request.Alert.FiredAt)}",
                .. request.Alert.Description is { Length: > 0 } description ? [$"Description: {Cap(description)}"] : Array.Empty<string>(),
            ]),
            ("Key metrics against their thresholds", request.Metrics.Count == 0
                ? ["The alert named no metric condition."]
                : [.. request.Metrics.Select(Metric)]),
            ("What the diagnostics found", [request.Findings is { Length: > 0 } f ? Cap(f) : "No diagnostics were collected."]),
            ("Memory dump", [request.Dump is { } dump
                ? $"Taken before the plan: {Display.Mib(dump.Bytes)} in blob {dump.Blob}."
                : "No memory dump was taken."]),
            ("The plan and why", [
                $"Plan: {What(d)}",
                $"Why: {d.Reason}",
                .. (d.Warnings ?? []).Select(w => $"Warning: {w}"),
                .. d.NotByConfiguration is { } why ? [$"A person must decide: {why}"] : Array.Empty<string>(),
            ]),
            ("What else could be done", Alternatives(d.Plan)),
            ("Other apps on the same plan", request.OtherApps.Count == 0
                ? ["None known."]
                : [string.Join(", ", request.OtherApps.Take(50)) + (d.Plan is PlanKind.ScaleOut or PlanKind.ScaleUp ? " (a scale step changes them too)" : string.Empty)]),
            ("Decide", [
                .. request.Reminder ? ["Reminder: nobody has decided yet. This mail has a new link and code; the earlier ones still work until the request ends."] : Array.Empty<string>(),
                d.ProceedOnTimeout
                    ? $"The request expires at {Time(request.ExpiresAt)}; this plan is marked low-risk, so without a decision it goes ahead then."
                    : $"The request expires at {Time(request.ExpiresAt)}; without a decision nothing is done and on-call takes over.",
                $"Open the link, check the plan, enter the one-time code and approve or reject.",
            ]),
        };

        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Incident {request.IncidentId} on {app} needs a decision.").AppendLine();
        foreach (var (title, lines) in sections)
        {
            text.AppendLine(title).AppendLine(new string('-', title.Length));
            foreach (var line in lines)
            {
                text.AppendLine(line);
            }

            text.AppendLine();
        }

        text.AppendLine(CultureInfo.InvariantCulture, $"Link: {link.AbsoluteUri}");
        text.AppendLine(CultureInfo.InvariantCulture, $"One-time code: {code}");
        text.AppendLine().AppendLine("The code is not in the link: a mail scanner that opens the link cannot decide.");

        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"></head><body style=\"font-family:sans-serif;max-width:40em\">");
        html.Append(CultureInfo.InvariantCulture, $"<p>Incident <b>{E(request.IncidentId)}</b> on <b>{E(app)}</b> needs a decision.</p>");
        foreach (var (title, lines) in sections)
        {
            html.Append(CultureInfo.InvariantCulture, $"<h3>{E(title)}</h3><ul>");
            foreach (var line in lines)
            {
                html.Append(CultureInfo.InvariantCulture, $"<li>{E(line)}</li>");
            }

            html.Append("</ul>");
        }

        html.Append(CultureInfo.InvariantCulture, $"<p><a href=\"{E(link.AbsoluteUri)}\">Review and decide</a></p>");
        html.Append(CultureInfo.InvariantCulture, $"<p>One-time code: <b style=\"font-family:monospace;font-size:1.3em\">{E(code)}</b></p>");
        html.Append("<p>The code is not in the link: a mail scanner that opens the link cannot decide.</p></body></html>");
        return new MailContent(subject, html.ToString(), text.ToString());
    }

    /// <summary>The short mail at the end: the incident resolved or was escalated to on-call.</summary>
    public static MailContent Outcome(OutcomeMailRequest outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        var app = AppName(outcome.TargetResourceId);
        var what = outcome.Status switch
        {
            IncidentStatus.Resolved => "resolved",
            IncidentStatus.Cancelled => "cancelled",
            _ => "escalated to on-call",
        };
        var subject = Line($"Incident {outcome.IncidentId} on {app} {what} (alert '{outcome.AlertRule}')");
        var lines = new[]
        {
            $"Incident {outcome.IncidentId} on {app} was {what} at {Time(outcome.At)}.",
            Cap(outcome.Summary),
            outcome.Status == IncidentStatus.Resolved ? "Nothing more is needed from you." : "Any approval link you still have for it no longer changes anything.",
        };
        var text = string.Join(Environment.NewLine, lines) + Environment.NewLine;
        var html = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body style=\"font-family:sans-serif;max-width:40em\">" +
            string.Concat(lines.Select(l => $"<p>{E(l)}</p>")) + "</body></html>";
        return new MailContent(subject, html, text);
    }

    /// <summary>The other rungs: what could be done instead of, or after, <paramref name="plan"/>.</summary>
    public static IReadOnlyList<string> Alternatives(PlanKind plan) =>
    [
        .. plan switch
        {
            PlanKind.RestartInstance or PlanKind.RestartApp => new[] { "If the restart does not bring the app back, a scale step (ScaleOut, or ScaleUp at the plan's maximum) is proposed next." },
            PlanKind.ScaleOut => ["A restart was tried or did not fit; after this scale step on-call takes over if the app does not recover."],
            PlanKind.ScaleUp => ["ScaleOut was not possible (the plan is at its maximum or autoscale owns the count); after this step on-call takes over if the app does not recover."],
            _ => [],
        },
        "Reject: nothing is done to the app and on-call takes over.",
        "No decision before the request expires: nothing is done and on-call takes over.",
    ];

    private static string What(Decisions.Decision d) => d.Plan switch
    {
        PlanKind.RestartInstance => $"RestartInstance (instance {d.InstanceId})",
        PlanKind.ScaleOut => $"ScaleOut (to {d.NewCapacity} instances)",
        PlanKind.ScaleUp => $"ScaleUp (to {d.NewSku})",
        _ => d.Plan.ToString(),
    };

    private static string Metric(MailMetric m)
    {
        var observed = m.Observed is { } o ? o.ToString("0.##", CultureInfo.InvariantCulture) : "unknown";
        var against = m.Threshold is { } t ? $" against {m.Operator ?? "threshold"} {t}" : string.Empty;
        return $"{m.Metric}: {observed}{against}" + (m.StillBreaching ? " (still breaching)" : string.Empty);
    }

    private static string AppName(string resourceId) => ResourceIds.TryParse(resourceId, out var id) ? id!.DisplayName : Cap(resourceId);

    private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    private static string Cap(string value) => value.Length <= MaxText ? value : value[..MaxText] + "…";

    // A subject is one line: an alert name with a line break must not add headers or lines.
    private static string Line(string value)
    {
        var one = string.Concat(value.Select(c => char.IsControl(c) ? ' ' : c));
        return one.Length <= 200 ? one : one[..200] + "…";
    }

    private static string E(string value) => WebUtility.HtmlEncode(value);
}
