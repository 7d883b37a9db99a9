using AutoRemediate.Shared;

namespace AutoRemediate.Evidence;

// WARNING: these records travel in orchestration history (the dump activity's input and output).
// Add members only as optional ones at the end.

/// <summary>Input of <see cref="ActivityNames.CaptureDump"/>.</summary>
/// <param name="IncidentId">The incident (names the blob).</param>
/// <param name="SiteResourceId">The site.</param>
/// <param name="Process">The process to dump.</param>
/// <param name="IsLinux">Linux app (Kudu on Linux dumps only .NET apps with dotnet-monitor).</param>
/// <param name="Sequence">Timeline position for the DumpCaptured / DumpSkipped entry the activity writes (0: none).</param>
public sealed record DumpRequest(string IncidentId, string SiteResourceId, WorkerProcess Process, bool IsLinux, int Sequence = 0);

/// <summary>How the dump went.</summary>
/// <param name="Stored">True when a complete dump is in Blob Storage.</param>
/// <param name="BlobUri">Where.</param>
/// <param name="Bytes">Its size.</param>
/// <param name="Sha256">Its SHA-256 (hex).</param>
/// <param name="SkippedReason">Why there is no dump.</param>
/// <param name="Seconds">How long it took.</param>
public sealed record DumpOutcome(bool Stored, string? BlobUri, long Bytes, string? Sha256, string? SkippedReason, double Seconds);
