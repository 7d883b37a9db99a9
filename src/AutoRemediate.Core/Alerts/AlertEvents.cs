using AutoRemediate.Shared;

namespace AutoRemediate.Alerts;

/// <summary>Payload of <see cref="EventNames.AlertRepeated"/>. WARNING: persisted in orchestration history.</summary>
/// <param name="AlertId">The alert that arrived.</param>
/// <param name="AlertRule">Its rule.</param>
/// <param name="Severity">Its severity.</param>
/// <param name="FiredAt">When it fired.</param>
public sealed record AlertRepeatedEvent(string AlertId, string AlertRule, string Severity, DateTimeOffset FiredAt);

/// <summary>Payload of <see cref="EventNames.AlertResolved"/>. WARNING: persisted in orchestration history.</summary>
/// <param name="AlertId">The alert that resolved.</param>
/// <param name="AlertRule">Its rule.</param>
/// <param name="ResolvedAt">When it resolved.</param>
public sealed record AlertResolvedEvent(string AlertId, string AlertRule, DateTimeOffset ResolvedAt);
