namespace AutoRemediate.Incidents;

/// <summary>Where an incident stands.</summary>
public enum IncidentStatus
{
    /// <summary>The alert was accepted; the remediation has not started yet.</summary>
    Received,

    /// <summary>The remediation is gathering evidence and deciding.</summary>
    Investigating,

    /// <summary>The app is healthy again.</summary>
    Resolved,

    /// <summary>Handed to people: the pipeline would not or could not fix it.</summary>
    Escalated,

    /// <summary>A plan is proposed and waits for an approver (or the approval timeout).</summary>
    AwaitingApproval,

    /// <summary>The pipeline is carrying out the approved plan.</summary>
    Mitigating,

    /// <summary>The plan was carried out; the pipeline is watching the app recover.</summary>
    Verifying,

    /// <summary>A person cancelled the remediation (<c>POST /api/incidents/{id}/cancel</c>); the pipeline stopped at its next step.</summary>
    Cancelled,
}

/// <summary>An incident as stored: one alert (or a burst of them) on one app.</summary>
/// <param name="IncidentId">The incident id, as returned to the caller.</param>
/// <param name="TargetResourceId">The App Service resource the incident is about.</param>
/// <param name="AlertId">The alert that opened it.</param>
/// <param name="AlertRule">The rule that fired.</param>
/// <param name="Severity">The alert severity.</param>
/// <param name="Status">Where the incident stands.</param>
/// <param name="Summary">One sentence on where things are, for on-call.</param>
/// <param name="CreatedAt">When the alert was accepted.</param>
/// <param name="UpdatedAt">When the incident last changed.</param>
/// <param name="ETag">The storage ETag, for conditional writes; null before the first write.</param>
/// <param name="RepeatCount">
/// How many further deliveries joined this incident while it was live. <see cref="IIncidentStore.GetAsync"/> reads only the row's own counter
/// (kept by rows written before repeat rows existed, else 0); readers that show it fill it from <see cref="IIncidentStore.GetRepeatsAsync"/>
/// (<see cref="IncidentRepeats.WithRepeatsAsync"/>).
/// </param>
/// <param name="AlertRules">Every alert rule that fired into this incident, the opening one first.</param>
/// <param name="PendingApproval">The approval request the incident waits on, while it waits.</param>
/// <param name="LiveUntil">
/// An escalated incident's hold: until then it stays live (further rules join it, a Resolved closes it), so it is
/// not closed yet. Null when there is no hold.
/// </param>
/// <param name="Recurrence">In words, when restarts are hiding a problem ("restarts are hiding a problem: 4 restarts in 7 days"); else null.</param>
/// <param name="EarlierIncidents">With <paramref name="Recurrence"/>: the incidents of those earlier restarts, newest first.</param>
/// <param name="LastRepeatAt">When the last repeat joined, filled like <paramref name="RepeatCount"/>.</param>
/// <param name="RepeatCountCapped">True when counting the repeats stopped at <see cref="RepeatSummary.MaxCounted"/>.</param>
public sealed record IncidentRecord(
    string IncidentId,
    string TargetResourceId,
    string AlertId,
    string AlertRule,
    string Severity,
    IncidentStatus Status,
    string Summary,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    string? ETag = null,
    int RepeatCount = 0,
    IReadOnlyList<string>? AlertRules = null,
    string? PendingApproval = null,
    DateTimeOffset? LiveUntil = null,
    string? Recurrence = null,
    IReadOnlyList<string>? EarlierIncidents = null,
    DateTimeOffset? LastRepeatAt = null,
    bool RepeatCountCapped = false)
{
    /// <summary>
    /// The most alert rules recorded on one incident, and so the most AlertRepeated events its workflow
    /// takes: the store stops adding rules here, and the workflow stops waiting for more.
    /// </summary>
    public const int MaxRules = 50;

    /// <summary>
    /// True once the status is an end state (Resolved, Escalated, Cancelled). An escalated incident may still be live in its
    /// hold: whether it is closed is <see cref="IsClosedAt"/>.
    /// </summary>
    public bool HasFinalStatus => Status is IncidentStatus.Resolved or IncidentStatus.Escalated or IncidentStatus.Cancelled;

    /// <summary>
    /// True when the workflow is done with the incident at <paramref name="now"/>: Resolved, Cancelled, or Escalated with its
    /// hold over (<see cref="LiveUntil"/> passed, or no hold).
    /// </summary>
    public bool IsClosedAt(DateTimeOffset now) =>
        Status is IncidentStatus.Resolved or IncidentStatus.Cancelled || (Status == IncidentStatus.Escalated && !(LiveUntil > now));
}

/// <summary>One step in an incident's history.</summary>
/// <param name="IncidentId">The incident.</param>
/// <param name="Sequence">Position among the workflow's own entries, assigned by the workflow so a retried write lands on
/// the same row; <see cref="ExternalSequence"/> for entries recorded from outside it (events from Azure).</param>
/// <param name="At">When it happened.</param>
/// <param name="Kind">A stable machine-readable name such as <c>AlertReceived</c>.</param>
/// <param name="Message">What happened, in words.</param>
public sealed record TimelineEntry(string IncidentId, int Sequence, DateTimeOffset At, string Kind, string Message)
{
    /// <summary>The sequence of entries that did not come from the workflow.</summary>
    public const int ExternalSequence = -1;
}

/// <summary>The result of recording one rule's resolution on an incident.</summary>
/// <param name="AllResolved">Every rule that fired into the incident has resolved.</param>
/// <param name="StillFiring">The rules that have not resolved yet, in the order they fired.</param>
public sealed record ResolutionRecorded(bool AllResolved, IReadOnlyList<string> StillFiring);

/// <summary>The result of recording a rule that fired again on a live incident (the slow path of a repeat).</summary>
/// <param name="IsNewRule">True when this alert rule had not fired into the incident before.</param>
public sealed record RepeatRecorded(bool IsNewRule);
