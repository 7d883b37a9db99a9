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

    /// <summary>Size of each staged block: the upload holds about one block in memory.</summary>
    [Range(1024 * 1024, 100 * 1024 * 1024)]
    public int BlockSizeBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>How often a dump stream that breaks mid-way is fetched again from the start.</summary>
    [Range(1, 10)]
    public int MaxAttempts { get; set; } = 3;
}
