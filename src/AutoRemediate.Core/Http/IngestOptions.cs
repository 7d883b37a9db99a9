using System.ComponentModel.DataAnnotations;

namespace AutoRemediate.Http;

/// <summary>Limits of the alert and event front door: one delivery can only cost so much.</summary>
public sealed class IngestOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Ingest";

    /// <summary>Default of <see cref="MaxTargetsPerAlert"/>.</summary>
    public const int DefaultMaxTargetsPerAlert = 20;

    /// <summary>Default of <see cref="MaxEventsPerDelivery"/>.</summary>
    public const int DefaultMaxEventsPerDelivery = 100;

    /// <summary>Largest accepted body; Azure Monitor's own payload limit is 256 KB.</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public long MaxBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// Most targets one alert may name; more is a 400 that says so. Each App Service target starts a
    /// remediation and counts toward the fleet breaker, and the whole alert must be answered well
    /// within the sender's timeout, so an alert naming thousands of apps is refused, not worked through.
    /// </summary>
    [Range(1, 1000)]
    public int MaxTargetsPerAlert { get; set; } = DefaultMaxTargetsPerAlert;

    /// <summary>Most events one Event Grid delivery may carry; more is a 400 that says so (Event Grid batches up to 5,000).</summary>
    [Range(1, 5000)]
    public int MaxEventsPerDelivery { get; set; } = DefaultMaxEventsPerDelivery;

    /// <summary>
    /// How long one delivery may spend on storage and the Durable backend before it is answered 503
    /// (retried by the sender). Azure Monitor's webhook call gives up after about 10 s.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:02:00")]
    public TimeSpan DependencyTimeout { get; set; } = TimeSpan.FromSeconds(8);
}
