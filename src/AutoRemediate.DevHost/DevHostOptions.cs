namespace AutoRemediate.DevHost;

/// <summary>
/// DevHost settings (section <c>DevHost</c>; <c>DevHost__Key</c> in the environment,
/// <c>--DevHost:Key=value</c> on the command line). <see cref="DevHostOptionsValidator"/> checks them
/// before anything starts.
/// </summary>
public sealed class DevHostOptions
{
    public const string SectionName = "DevHost";

    /// <summary>Where the pipeline listens: the same address and routes as <c>func start</c> (Kestrel's URL list, ';'-separated).</summary>
    public string Urls { get; set; } = "http://127.0.0.1:7071";

    /// <summary>Start Azurite when nothing listens on its ports.</summary>
    public bool StartAzurite { get; set; } = true;

    public int AzuriteBlobPort { get; set; } = 10000;

    public int AzuriteQueuePort { get; set; } = 10001;

    public int AzuriteTablePort { get; set; } = 10002;

    /// <summary>
    /// Azurite's data folder: relative to the repository root (and inside it), or absolute; empty keeps
    /// data in memory only.
    /// </summary>
    public string AzuriteLocation { get; set; } = ".devhost/azurite";

    /// <summary>
    /// Start MailDev (a local SMTP server with a web inbox) from the repository's <c>node_modules</c> and
    /// send approval mail there, unless <c>Mail:Host</c> names another SMTP server.
    /// </summary>
    public bool StartMailDev { get; set; } = true;

    /// <summary>MailDev's SMTP port (loopback); 0 picks a free one.</summary>
    public int MailDevSmtpPort { get; set; }

    /// <summary>MailDev's web inbox and API port (loopback); 0 picks a free one. The banner prints the inbox address.</summary>
    public int MailDevWebPort { get; set; }

    /// <summary>Start the Sandbox (simulated App Service) and point the pipeline at it.</summary>
    public bool StartSandbox { get; set; } = true;

    /// <summary>The Sandbox address (HTTPS on loopback: the pipeline sends bearer tokens and trusts its certificate on loopback only).</summary>
    public string SandboxUrl { get; set; } = "https://127.0.0.1:7443";

    /// <summary>The Sandbox's apps file (plans, apps, scenarios); the bundled <c>sandbox.apps.json</c> when unset.</summary>
    public string? SandboxAppsPath { get; set; }

    /// <summary>
    /// When set, the function-level routes (alerts, events, incidents) require this key as <c>?code=</c>
    /// or <c>x-functions-key</c>, as the Functions host does in Azure. Unset: open, as under <c>func start</c>.
    /// </summary>
    public string? FunctionKey { get; set; }

    /// <summary>
    /// The Durable backend, one of <see cref="DurableBackends"/>: <see cref="DurableBackends.AzureStorage"/>
    /// (default; the Durable Functions backend, on the DevHost's storage, so incidents survive a restart) or
    /// <see cref="DurableBackends.InMemory"/> (fast, lost on exit; for tests).
    /// </summary>
    public string DurableBackend { get; set; } = DurableBackends.AzureStorage;

    /// <summary>The task hub name on the Azure Storage backend (a letter, then letters and digits, 3-45 in all).</summary>
    public string TaskHub { get; set; } = "AutoRemediateDevHost";

    /// <summary>
    /// A host.json whose <c>extensions.durableTask</c> settings (queue polling, partitions, control-queue batching,
    /// concurrency) the Azure Storage backend uses instead of the DevHost's local tuning (<see cref="DurableTuning.Local"/>):
    /// set it to the repository's host.json to run the DevHost with the Function App's production settings.
    /// </summary>
    public string? DurableHostJson { get; set; }

    /// <summary>The Durable Task gRPC sidecar port (loopback only); 0 picks a free one.</summary>
    public int DurableTaskPort { get; set; }
}
