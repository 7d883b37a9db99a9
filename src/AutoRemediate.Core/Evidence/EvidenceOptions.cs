using System.ComponentModel.DataAnnotations;

namespace AutoRemediate.Evidence;

/// <summary>Where and how evidence (process dumps) is kept.</summary>
public sealed class EvidenceOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Evidence";

    /// <summary>Blob container for dumps (<c>dumps/{incident}/...</c>).</summary>
    [Required, RegularExpression("^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$", ErrorMessage = "Container names are 3-63 lower-case letters, digits and single hyphens.")]
    public string DumpsContainer { get; set; } = "dumps";

    /// <summary>Size of each staged block. An upload holds at most <see cref="MaxBlocksInFlight"/> + 1 blocks in memory.</summary>
    [Range(1024 * 1024, 100 * 1024 * 1024)]
    public int BlockSizeBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>
    /// How many blocks of one dump are staged into Blob Storage at once while the next is read. One
    /// staging at a time leaves the source idle during each round trip; a few at once keep it busy.
    /// </summary>
    [Range(1, 16)]
    public int MaxBlocksInFlight { get; set; } = 4;

    /// <summary>
    /// How many dumps one instance of the pipeline takes at once; more wait for a free slot (within their
    /// <see cref="DumpTimeBudget"/>). It bounds the dumps' memory on an instance at this many times
    /// (<see cref="MaxBlocksInFlight"/> + 1) × <see cref="BlockSizeBytes"/> (160 MiB by default), whatever the Durable
    /// activity concurrency, so that can be set for the many short activities of a storm instead.
    /// </summary>
    [Range(1, 64)]
    public int MaxConcurrentDumps { get; set; } = 4;

    /// <summary>How often a dump stream that breaks mid-way is fetched again from the start.</summary>
    [Range(1, 10)]
    public int MaxAttempts { get; set; } = 3;

    /// <summary>Blob container for diagnostics too large for the workflow history (<c>evidence/{incident}/...</c>).</summary>
    [Required, RegularExpression("^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$", ErrorMessage = "Container names are 3-63 lower-case letters, digits and single hyphens.")]
    public string EvidenceContainer { get; set; } = "evidence";

    /// <summary>Take a memory dump of the worst process before a restart. Off: the restart goes ahead and the timeline says why there is no dump.</summary>
    public bool DumpsEnabled { get; set; } = true;

    /// <summary>The largest dump kept; a process whose private bytes already exceed it is not dumped at all.</summary>
    [Range(1024 * 1024, 64L * 1024 * 1024 * 1024)]
    public long MaxDumpBytes { get; set; } = 4L * 1024 * 1024 * 1024;

    /// <summary>How long a dump may take before it is abandoned (and the mitigation goes ahead without it).</summary>
    [Range(typeof(TimeSpan), "00:00:05", "01:00:00")]
    public TimeSpan DumpTimeBudget { get; set; } = TimeSpan.FromMinutes(10);
}
