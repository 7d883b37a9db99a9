using System.Globalization;

namespace AutoRemediate.DevHost;

/// <summary>Ports of one MailDev: its SMTP server and its web inbox (with the REST API under <c>/api</c>).</summary>
public sealed record MailDevSettings(int SmtpPort, int WebPort);

/// <summary>
/// Starts MailDev (the local SMTP server with a web inbox) from the repository's <c>node_modules</c>
/// on loopback ports and stops it. Like Azurite it runs under the guard script in a session of its
/// own (setsid): a terminal's Ctrl+C does not reach it, and it dies with whoever started it, even on a
/// hard kill, because the guard ends it when its stdin closes.
/// </summary>
public sealed class MailDevLauncher : IAsyncDisposable
{
    private readonly GuardedNodeProcess _process;

    private MailDevLauncher(MailDevSettings settings, GuardedNodeProcess process)
    {
        Settings = settings;
        _process = process;
    }

    /// <summary>The ports in use.</summary>
    public MailDevSettings Settings { get; }

    /// <summary>Process id of the guard (on Linux the leader of MailDev's process group and session).</summary>
    public int ProcessId => _process.Id;

    /// <summary>The SMTP host to configure (<c>Mail:Host</c>).</summary>
    public static string Host => "127.0.0.1";

    /// <summary>The web inbox a person opens.</summary>
    public Uri Inbox => new($"http://127.0.0.1:{Settings.WebPort.ToString(CultureInfo.InvariantCulture)}/");

    /// <summary>The REST API's base (GET <c>email</c> lists the mails).</summary>
    public Uri Api => new(Inbox, "api/");

    /// <summary>The settings that send the host's mail here.</summary>
    public IReadOnlyDictionary<string, string?> MailSettings => new Dictionary<string, string?>
    {
        ["Mail:Host"] = Host,
        ["Mail:Port"] = Settings.SmtpPort.ToString(CultureInfo.InvariantCulture),
        ["Mail:UseTls"] = "None",
    };

    /// <summary>What MailDev printed (for diagnostics).</summary>
    public string Output => _process.Output;

    /// <summary>How long a stop waits for MailDev to exit before it is killed.</summary>
    public static TimeSpan StopTimeout => GuardedNodeProcess.StopTimeout;

    /// <summary>Starts MailDev on <paramref name="settings"/> and waits until both ports listen.</summary>
    public static async Task<MailDevLauncher> StartAsync(MailDevSettings settings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        foreach (var port in new[] { settings.SmtpPort, settings.WebPort })
        {
            if (await AzuriteLauncher.IsListeningAsync(port, cancellationToken).ConfigureAwait(false))
            {
                throw new InvalidOperationException($"Port {port} is taken: MailDev needs it. Free it or choose other ports (DevHost:MailDevSmtpPort/MailDevWebPort).");
            }
        }

        var root = RepositoryPaths.FindRoot()
            ?? throw new InvalidOperationException("Cannot find the repository root (AutoRemediate.sln with package.json) to run MailDev from.");
        var main = Path.Combine(root, "node_modules", "maildev", "dist", "bin", "maildev.js");
        if (!File.Exists(main))
        {
            throw new InvalidOperationException($"MailDev is not installed at {main}. Run 'npm ci' in {root} first.");
        }

        // In-memory inbox: MailDev writes nothing; keep its working directory out of the repo anyway.
        var process = GuardedNodeProcess.Start("MailDev", main,
            ["--smtp", settings.SmtpPort.ToString(CultureInfo.InvariantCulture), "--ip", "127.0.0.1",
             "--web", settings.WebPort.ToString(CultureInfo.InvariantCulture), "--web-ip", "127.0.0.1", "--max-emails", "500"],
            Directory.CreateTempSubdirectory("maildev-").FullName);
        await process.WaitUntilListeningAsync("MailDev", [settings.SmtpPort, settings.WebPort], cancellationToken).ConfigureAwait(false);
        return new MailDevLauncher(settings, process);
    }

    /// <summary>Stops MailDev; waits until it has exited (at most about <see cref="StopTimeout"/>, then kills it).</summary>
    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
