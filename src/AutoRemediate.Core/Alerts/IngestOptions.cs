using System.ComponentModel.DataAnnotations;

namespace AutoRemediate.Alerts;

/// <summary>Limits of the alert and event front door.</summary>
public sealed class IngestOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Ingest";

    /// <summary>Largest accepted body; Azure Monitor's own payload limit is 256 KB.</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public long MaxBodyBytes { get; set; } = 1024 * 1024;
}
