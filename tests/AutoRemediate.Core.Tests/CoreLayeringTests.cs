using System.Text.RegularExpressions;
using AutoRemediate.Shared;
using AutoRemediate.Testing;
using NetArchTest.Rules;

namespace AutoRemediate.Core.Tests;

/// <summary>
/// The folders of Core form layers, as the README's Code map lists them: a folder may use the folders
/// before it and none after it, so there is no cycle between folders. Checked twice: on the compiled
/// assembly (every type a type touches, in signatures and method bodies) and on the source's using
/// directives (which also catch constants, which the compiler copies into the user and so leaves no
/// trace in the assembly).
/// </summary>
[TestClass]
public sealed partial class CoreLayeringTests
{
    // Lowest first. The README's Code map lists the same folders in the same order.
    public static readonly string[] Layers =
        ["Shared", "Http", "Azure", "Incidents", "Alerts", "Evidence", "Actions", "Decisions", "Diagnostics", "Approvals", "Notify", "Pages", "Workflow", "Ingest", "Retention", "Telemetry"];

    public static IEnumerable<object[]> Folders => Layers.Select(l => new object[] { l });

    [TestMethod]
    [DynamicData(nameof(Folders))]
    public void Assembly_Folder_UsesNoLaterFolder(string folder)
    {
        var later = Layers.SkipWhile(l => l != folder).Skip(1).Select(l => "AutoRemediate." + l).ToArray();
        if (later.Length == 0)
        {
            return; // the top layer may use every other one
        }

        var result = Types.InAssembly(typeof(ResourceIds).Assembly)
            .That().ResideInNamespace("AutoRemediate." + folder)
            .ShouldNot().HaveDependencyOnAny(later)
            .GetResult();

        Assert.IsTrue(result.IsSuccessful, $"{folder} uses a later folder in: {string.Join(", ", result.FailingTypeNames ?? [])}");
    }

    [TestMethod]
    [DynamicData(nameof(Folders))]
    public void Source_Folder_ImportsNoLaterFolder(string folder)
    {
        var later = Layers.SkipWhile(l => l != folder).Skip(1).ToHashSet(StringComparer.Ordinal);
        var root = Path.Combine(Samples.RepositoryRoot, "src", "AutoRemediate.Core", folder);
        Assert.IsTrue(Directory.Exists(root), $"No folder {root}: the layer list is out of date.");
        var offending = Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
            .SelectMany(file => File.ReadLines(file).Select(line => (file, Match: CoreUsing().Match(line))))
            .Where(x => x.Match.Success && later.Contains(x.Match.Groups["folder"].Value))
            .Select(x => $"{Path.GetFileName(x.file)} uses {x.Match.Groups["folder"].Value}")
            .ToList();

        Assert.AreEqual(0, offending.Count, string.Join("; ", offending));
    }

    [TestMethod]
    public void Layers_EveryCoreFolder_Listed()
    {
        var folders = Directory.EnumerateDirectories(Path.Combine(Samples.RepositoryRoot, "src", "AutoRemediate.Core"))
            .Select(Path.GetFileName).OfType<string>()
            .Where(d => d is not ("bin" or "obj"))
            .Order(StringComparer.Ordinal);

        CollectionAssert.AreEqual(Layers.Order(StringComparer.Ordinal).ToArray(), folders.ToArray());
    }

    [TestMethod]
    public void Readme_CodeMap_ListsTheLayersInOrder()
    {
        var readme = File.ReadAllText(Path.Combine(Samples.RepositoryRoot, "README.md"));
        var map = readme[readme.IndexOf("## Code map", StringComparison.Ordinal)..];
        var listed = CodeMapRow().Matches(map).Select(m => m.Groups["folder"].Value).ToArray();

        CollectionAssert.AreEqual(Layers, listed.Take(Layers.Length).ToArray());
    }

    [GeneratedRegex(@"^\s*using\s+AutoRemediate\.(?<folder>[A-Za-z]+)\s*;")]
    private static partial Regex CoreUsing();

    [GeneratedRegex(@"^\| `(?<folder>[A-Za-z]+)/` \|", RegexOptions.Multiline)]
    private static partial Regex CodeMapRow();
}
