using System.Globalization;
using System.Text;

namespace AutoRemediate.Incidents;

/// <summary>
/// An incident as a Markdown postmortem (<c>GET /api/incidents/{id}/export</c>): the summary, the timeline with
/// times, the evidence (blob names the timeline recorded), the plan and why, the decision and who made it, and
/// the outcome. Pure: built from the stored incident and its timeline. Every text that came from an alert,
/// Azure or a person is escaped, so it shows as text and never becomes a link, an image or markup.
/// </summary>
public static class IncidentExport
{
    private static readonly string[] s_evidenceKinds = [TimelineKinds.DiagnosticsCollected, TimelineKinds.DumpCaptured];
    private static readonly string[] s_decisionKinds =
        [TimelineKinds.ApprovalNotNeeded, TimelineKinds.ApprovalGranted, TimelineKinds.ApprovalRejected, TimelineKinds.ApprovalTimedOut, TimelineKinds.ProceedingAfterTimeout, TimelineKinds.ApprovalWithdrawn];

    /// <summary>The postmortem of <paramref name="incident"/>.</summary>
    public static string Markdown(IncidentRecord incident, IReadOnlyList<TimelineEntry> timeline)
    {
        ArgumentNullException.ThrowIfNull(incident);
        ArgumentNullException.ThrowIfNull(timeline);
        var app = Shared.ResourceIds.TryParse(incident.TargetResourceId, out var id) ? id!.Name : incident.TargetResourceId;
        var md = new StringBuilder();
        md.Append("# Incident ").Append(Escape(incident.IncidentId)).Append(" on ").Append(Escape(app)).Append("\n\n");
        md.Append("## Summary\n\n");
        Field(md, "Status", incident.Status.ToString());
        Field(md, "App", incident.TargetResourceId);
        Field(md, "Alert rule", string.Join(", ", incident.AlertRules ?? [incident.AlertRule]));
        Field(md, "Severity", incident.Severity);
        Field(md, "Opened", Time(incident.CreatedAt));
        Field(md, "Last change", Time(incident.UpdatedAt));
        Field(md, "Deliveries joined", incident.RepeatCount.ToString(CultureInfo.InvariantCulture) + (incident.RepeatCountCapped ? "+" : string.Empty)
            + (incident.LastRepeatAt is { } lastRepeat ? $" (last {Time(lastRepeat)})" : string.Empty));
        md.Append('\n').Append(Escape(incident.Summary)).Append("\n\n");
        if (incident.Recurrence is { } recurrence)
        {
            md.Append("**").Append(Escape(recurrence)).Append(".**");
            if (incident.EarlierIncidents is { Count: > 0 } earlier)
            {
                md.Append(" Earlier incidents: ").Append(string.Join(", ", earlier.Select(Escape))).Append('.');
            }

            md.Append("\n\n");
        }

        Section(md, "Plan and why", timeline.Where(t => t.Kind == TimelineKinds.PlanChosen), "No plan was chosen.");
        Section(md, "Decision", timeline.Where(t => s_decisionKinds.Contains(t.Kind)), "No decision was recorded.");
        Section(md, "Evidence", timeline.Where(t => s_evidenceKinds.Contains(t.Kind)), "No evidence was stored.");
        Section(md, "Outcome", timeline.Where(t => t.Kind is TimelineKinds.ActionTaken or TimelineKinds.ActionFailed or TimelineKinds.ActionCancelled
            or TimelineKinds.HealthyAgain or TimelineKinds.StillUnhealthy or TimelineKinds.IncidentResolved or TimelineKinds.IncidentEscalated
            or TimelineKinds.CancelRequested or TimelineKinds.IncidentCancelled), $"The incident is {incident.Status}.");

        md.Append("## Timeline (UTC)\n\n");
        foreach (var entry in timeline)
        {
            md.Append("- ").Append(entry.At.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture))
                .Append(" **").Append(Escape(entry.Kind)).Append("**")
                .Append(entry.Sequence == TimelineEntry.ExternalSequence && !TimelineKinds.IsByPerson(entry.Kind) ? " (from Azure)" : string.Empty)
                .Append(": ").Append(Escape(entry.Message)).Append('\n');
        }

        return md.ToString();
    }

    /// <summary>
    /// <paramref name="text"/> as literal Markdown text: the characters Markdown reads as inline syntax (emphasis,
    /// code, links, images, HTML, tables, entities) are backslash-escaped, so alert text can never hide a link
    /// behind other words or inject markup; line breaks become spaces (one entry, one line). A bare web address
    /// stays visible as itself (some renderers link it).
    /// </summary>
    public static string Escape(string? text)
    {
        var value = text ?? string.Empty;
        var sb = new StringBuilder(value.Length + 16);
        foreach (var c in value)
        {
            if (c is '\r' or '\n' or '\t')
            {
                sb.Append(' ');
                continue;
            }

            if (char.IsControl(c))
            {
                continue;
            }

            if ("\\`*_[]()<>!|~&#".Contains(c, StringComparison.Ordinal))
            {
                sb.Append('\\');
            }

            sb.Append(c);
        }

        return sb.ToString();
    }

    private static void Field(StringBuilder md, string name, string? value) =>
        md.Append("- **").Append(name).Append(":** ").Append(Escape(value)).Append('\n');

    private static void Section(StringBuilder md, string title, IEnumerable<TimelineEntry> entries, string none)
    {
        md.Append("## ").Append(title).Append("\n\n");
        var any = false;
        foreach (var entry in entries)
        {
            any = true;
            md.Append("- ").Append(Time(entry.At)).Append(": ").Append(Escape(entry.Message)).Append('\n');
        }

        md.Append(any ? "\n" : Escape(none) + "\n\n");
    }

    private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);
}
