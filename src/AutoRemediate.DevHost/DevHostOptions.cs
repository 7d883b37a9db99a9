using System.ComponentModel.DataAnnotations;

namespace AutoRemediate.DevHost;

/// <summary>DevHost settings (section <c>DevHost</c>; <c>DevHost__Key</c> in the environment).</summary>
public sealed class DevHostOptions
{
    public const string SectionName = "DevHost";

    /// <summary>Where the pipeline listens: the same address and routes as <c>func start</c>.</summary>
    [Required]
    public string Urls { get; set; } = "http://127.0.0.1:7071";

    /// <summary>Start Azurite when nothing listens on its ports.</summary>
    public bool StartAzurite { get; set; } = true;

    [Range(0, 65535)]
    public int AzuriteBlobPort { get; set; } = 10000;

    [Range(0, 65535)]
    public int AzuriteQueuePort { get; set; } = 10001;

    [Range(0, 65535)]
    public int AzuriteTablePort { get; set; } = 10002;

    /// <summary>Azurite's data folder, relative to the repository root; empty keeps data in memory only.</summary>
    public string AzuriteLocation { get; set; } = ".devhost/azurite";

    /// <summary>Start the Sandbox (simulated App Service) and point the pipeline at it.</summary>
    public bool StartSandbox { get; set; } = true;

    /// <summary>The Sandbox address (HTTPS: the pipeline sends bearer tokens).</summary>
    [Required]
    public string SandboxUrl { get; set; } = "https://127.0.0.1:7443";

    /// <summary>The Sandbox's apps file (plans, apps, scenarios); the bundled <c>sandbox.apps.json</c> when unset.</summary>
    public string? SandboxAppsPath { get; set; }

    /// <summary>
    /// When set, the function-level routes (alerts, events, incidents) require this key as <c>?code=</c>
    /// or <c>x-functions-key</c>, as the Functions host does in Azure. Unset: open, as under <c>func start</c>.
    /// </summary>
    public string? FunctionKey { get; set; }

    /// <summary>
    /// The Durable backend: <c>AzureStorage</c> (default; the Durable Functions backend, on the DevHost's
    /// storage, so incidents survive a restart) or <c>InMemory</c> (fast, lost on exit; for tests).
    /// </summary>
    [RegularExpression("^(AzureStorage|InMemory)$", ErrorMessage = "DevHost:DurableBackend is AzureStorage or InMemory.")]
    public string DurableBackend { get; set; } = "AzureStorage";

    /// <summary>The task hub name on the Azure Storage backend (letters and digits).</summary>
    [RegularExpression("^[A-Za-z][A-Za-z0-9]{2,44}$")]
    public string TaskHub { get; set; } = "AutoRemediateDevHost";

    /// <summary>The Durable Task gRPC sidecar port (loopback only); 0 picks a free one.</summary>
    [Range(0, 65535)]
    public int DurableTaskPort { get; set; }
}
