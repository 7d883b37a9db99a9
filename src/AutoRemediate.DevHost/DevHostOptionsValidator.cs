using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace AutoRemediate.DevHost;

/// <summary>
/// Stops the DevHost at start, before Azurite or the Sandbox is started, when a DevHost setting cannot
/// work; each failure names its key (<c>DevHost:Key</c>) and what would be right.
/// </summary>
public sealed partial class DevHostOptionsValidator : IValidateOptions<DevHostOptions>
{
    private const string Prefix = DevHostOptions.SectionName + ":";

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, DevHostOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        failures.AddRange(UrlsFailures(options.Urls));
        if (SandboxUrlFailure(options.SandboxUrl) is { } sandbox)
        {
            failures.Add(sandbox);
        }

        foreach (var (key, port) in AzuritePorts(options))
        {
            if (port is < 1 or > 65535)
            {
                failures.Add($"{Prefix}{key} {port} is not a TCP port (1-65535).");
            }
        }

        if (AzuritePorts(options).Select(p => p.Port).Distinct().Count() < 3)
        {
            failures.Add($"{Prefix}{nameof(DevHostOptions.AzuriteBlobPort)}, {Prefix}{nameof(DevHostOptions.AzuriteQueuePort)} and {Prefix}{nameof(DevHostOptions.AzuriteTablePort)} must be three different ports.");
        }

        if (options.DurableTaskPort is < 0 or > 65535)
        {
            failures.Add($"{Prefix}{nameof(DevHostOptions.DurableTaskPort)} {options.DurableTaskPort} is not a TCP port (1-65535), nor 0 for a free one.");
        }

        if (!DurableBackends.All.Contains(options.DurableBackend, StringComparer.Ordinal))
        {
            failures.Add($"{Prefix}{nameof(DevHostOptions.DurableBackend)} '{options.DurableBackend}' is not a Durable backend: {string.Join(" or ", DurableBackends.All)}.");
        }

        if (!TaskHubName().IsMatch(options.TaskHub ?? string.Empty))
        {
            failures.Add($"{Prefix}{nameof(DevHostOptions.TaskHub)} '{options.TaskHub}' is not a task hub name: a letter, then 2 to 44 letters or digits.");
        }

        if (DurableHostJsonFailure(options.DurableHostJson) is { } hostJson)
        {
            failures.Add(hostJson);
        }

        if (AzuriteLocationFailure(options.AzuriteLocation) is { } location)
        {
            failures.Add(location);
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static string? DurableHostJsonFailure(string? path)
    {
        if (string.IsNullOrEmpty(path))
        {
            return null;
        }

        if (!File.Exists(path))
        {
            return $"{Prefix}{nameof(DevHostOptions.DurableHostJson)} '{path}' does not exist.";
        }

        try
        {
            DurableTuning.FromHostJson(File.ReadAllText(path), path);
            return null;
        }
        catch (FormatException ex)
        {
            return $"{Prefix}{nameof(DevHostOptions.DurableHostJson)}: {ex.Message}";
        }
    }

    private static IEnumerable<(string Key, int Port)> AzuritePorts(DevHostOptions options) =>
    [
        (nameof(DevHostOptions.AzuriteBlobPort), options.AzuriteBlobPort),
        (nameof(DevHostOptions.AzuriteQueuePort), options.AzuriteQueuePort),
        (nameof(DevHostOptions.AzuriteTablePort), options.AzuriteTablePort),
    ];

    // Kestrel's own URL grammar (it also takes http://*:7071 and http://+:7071), checked here so that a
    // wrong address is named before Azurite and the Sandbox are started rather than when Kestrel binds.
    private static IEnumerable<string> UrlsFailures(string? urls)
    {
        const string Key = Prefix + nameof(DevHostOptions.Urls);
        var entries = (urls ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (entries.Length == 0)
        {
            yield return $"{Key} is empty: give the address to listen on, e.g. http://127.0.0.1:7071.";
            yield break;
        }

        foreach (var entry in entries)
        {
            BindingAddress? address = null;
            try
            {
                address = BindingAddress.Parse(entry);
            }
            catch (FormatException)
            {
            }

            if (address is null || address.IsNamedPipe || address.IsUnixPipe
                || address.Scheme is not ("http" or "https") || address.Port is < 0 or > 65535 || !string.IsNullOrEmpty(address.PathBase))
            {
                yield return $"{Key} '{entry}' is not an http(s) address to listen on, such as http://127.0.0.1:7071 (scheme, host and port, no path).";
            }
        }
    }

    private static string? SandboxUrlFailure(string? url)
    {
        const string Key = Prefix + nameof(DevHostOptions.SandboxUrl);
        if (!Uri.TryCreate(url, UriKind.Absolute, out var sandbox) || sandbox.AbsolutePath != "/" || sandbox.Host.Length == 0)
        {
            return $"{Key} '{url}' is not an address such as https://127.0.0.1:7443 (scheme, host and port, no path).";
        }

        if (sandbox.Scheme != Uri.UriSchemeHttps)
        {
            return $"{Key} '{url}' must be https: the pipeline sends the Sandbox bearer tokens, never over plain HTTP.";
        }

        return sandbox.IsLoopback
            ? null
            : $"{Key} '{url}' must be a loopback address (127.0.0.1, [::1] or localhost): the Sandbox's self-signed certificate is trusted on loopback only.";
    }

    // Relative locations are taken from the repository root (AzuriteLauncher); one that climbs out of
    // it is a typo far more often than a wish, and would scatter Azurite's files next to the checkout.
    private static string? AzuriteLocationFailure(string? location)
    {
        const string Key = Prefix + nameof(DevHostOptions.AzuriteLocation);
        if (string.IsNullOrEmpty(location) || Path.IsPathRooted(location))
        {
            return null;
        }

        var root = Path.Combine(Path.GetTempPath(), "repository");
        string full;
        try
        {
            full = Path.GetFullPath(location, root);
        }
        catch (ArgumentException)
        {
            return $"{Key} '{location}' is not a path.";
        }

        return full.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal)
            ? null
            : $"{Key} '{location}' is not inside the repository: give a folder below it (e.g. .devhost/azurite), an absolute path, or nothing to keep data in memory.";
    }

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9]{2,44}$", RegexOptions.CultureInvariant)]
    private static partial Regex TaskHubName();
}
