namespace AutoRemediate.Sandbox.State;

/// <summary>A plan SKU as ARM reports it, plus the worker size the scenarios need.</summary>
public sealed record SkuInfo(string Name, string Tier, string Size, string Family, int Cores, double MemoryGb)
{
    public long MemoryBytes => (long)(MemoryGb * 1024 * 1024 * 1024);
}

/// <summary>
/// The App Service SKUs the Sandbox knows, with vCPU and memory per worker (published App Service
/// pricing-tier sizes). Used to fill <c>tier</c>/<c>family</c>/<c>size</c> on PATCH and to scale the
/// CPU and memory percentages of a scale-up.
/// </summary>
internal static class SkuCatalog
{
    private static readonly Dictionary<string, SkuInfo> s_skus = new[]
    {
        new SkuInfo("F1", "Free", "F1", "F", 1, 1),
        new SkuInfo("D1", "Shared", "D1", "D", 1, 1),
        new SkuInfo("B1", "Basic", "B1", "B", 1, 1.75),
        new SkuInfo("B2", "Basic", "B2", "B", 2, 3.5),
        new SkuInfo("B3", "Basic", "B3", "B", 4, 7),
        new SkuInfo("S1", "Standard", "S1", "S", 1, 1.75),
        new SkuInfo("S2", "Standard", "S2", "S", 2, 3.5),
        new SkuInfo("S3", "Standard", "S3", "S", 4, 7),
        new SkuInfo("P1", "Premium", "P1", "P", 1, 1.75),
        new SkuInfo("P2", "Premium", "P2", "P", 2, 3.5),
        new SkuInfo("P3", "Premium", "P3", "P", 4, 7),
        new SkuInfo("P1v2", "PremiumV2", "P1v2", "Pv2", 1, 3.5),
        new SkuInfo("P2v2", "PremiumV2", "P2v2", "Pv2", 2, 7),
        new SkuInfo("P3v2", "PremiumV2", "P3v2", "Pv2", 4, 14),
        new SkuInfo("P0v3", "PremiumV3", "P0v3", "Pv3", 1, 4),
        new SkuInfo("P1v3", "PremiumV3", "P1v3", "Pv3", 2, 8),
        new SkuInfo("P2v3", "PremiumV3", "P2v3", "Pv3", 4, 16),
        new SkuInfo("P3v3", "PremiumV3", "P3v3", "Pv3", 8, 32),
        new SkuInfo("P1mv3", "PremiumMV3", "P1mv3", "Pmv3", 2, 16),
        new SkuInfo("P2mv3", "PremiumMV3", "P2mv3", "Pmv3", 4, 32),
        new SkuInfo("I1v2", "IsolatedV2", "I1v2", "Iv2", 2, 8),
        new SkuInfo("I2v2", "IsolatedV2", "I2v2", "Iv2", 4, 16),
        new SkuInfo("I3v2", "IsolatedV2", "I3v2", "Iv2", 8, 32),
    }.ToDictionary(s => s.Name, StringComparer.OrdinalIgnoreCase);

    public static SkuInfo? Find(string? name) => name is not null && s_skus.TryGetValue(name, out var sku) ? sku : null;

    /// <summary>The SKU of a plan definition: the catalog entry, overridden by what the file says.</summary>
    public static SkuInfo FromDefinition(SkuDefinition definition)
    {
        var known = Find(definition.Name);
        return new SkuInfo(
            known?.Name ?? definition.Name,
            definition.Tier ?? known?.Tier ?? "Standard",
            definition.Size ?? known?.Size ?? definition.Name,
            definition.Family ?? known?.Family ?? new string(definition.Name.TakeWhile(char.IsLetter).ToArray()),
            known?.Cores ?? 1,
            known?.MemoryGb ?? 3.5);
    }
}
