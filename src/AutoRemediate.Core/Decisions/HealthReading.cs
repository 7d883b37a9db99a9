namespace AutoRemediate.Decisions;

// WARNING: travels in orchestration history (the verification poll's output). Add members only as
// optional ones at the end.

/// <summary>What the verification poll saw.</summary>
/// <param name="Healthy">The alert's condition no longer holds and every instance looks healthy.</param>
/// <param name="Summary">Why (not), in words.</param>
public sealed record HealthReading(bool Healthy, string Summary);
