namespace AutoRemediate.Actions;

/// <summary>The tier ARM expects with a SKU name when a plan is scaled up (e.g. P1v3 → PremiumV3).</summary>
public static class SkuTiers
{
    /// <summary>The tier of <paramref name="sku"/>, or null when the name does not say (ARM then keeps or infers it).</summary>
    public static string? TierOf(string sku)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sku);
        var s = sku.ToUpperInvariant();
        return s switch
        {
            _ when s.EndsWith("MV3", StringComparison.Ordinal) => "PremiumMV3",
            _ when s.StartsWith('P') && s.EndsWith("V3", StringComparison.Ordinal) => "PremiumV3",
            _ when s.StartsWith('P') && s.EndsWith("V2", StringComparison.Ordinal) => "PremiumV2",
            _ when s.StartsWith('I') && s.EndsWith("V2", StringComparison.Ordinal) => "IsolatedV2",
            _ when s.StartsWith('P') => "Premium",
            _ when s.StartsWith('S') => "Standard",
            _ when s.StartsWith('B') => "Basic",
            _ => null,
        };
    }
}
