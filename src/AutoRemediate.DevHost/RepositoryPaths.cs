namespace AutoRemediate.DevHost;

/// <summary>Finds the repository root (where <c>package.json</c> and <c>node_modules</c> live).</summary>
internal static class RepositoryPaths
{
    public static string? FindRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "AutoRemediate.sln")) && File.Exists(Path.Combine(dir.FullName, "package.json")))
                {
                    return dir.FullName;
                }
            }
        }

        return null;
    }
}
