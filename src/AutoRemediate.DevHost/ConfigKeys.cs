using AutoRemediate.Approvals;
using AutoRemediate.Azure;
using AutoRemediate.Decisions;
using AutoRemediate.Incidents;
using AutoRemediate.Workflow;

namespace AutoRemediate.DevHost;

/// <summary>
/// The configuration keys the DevHost writes or reads outside its own options binding, built from the
/// options classes that bind them (their <c>SectionName</c> and property names), so that a renamed
/// setting fails the build here instead of being silently ignored.
/// </summary>
public static class ConfigKeys
{
    private const string Separator = ":";

    /// <summary>The storage connection the Functions host and the pipeline use (<c>AzureWebJobsStorage</c>).</summary>
    public const string StorageConnection = ServiceCollectionExtensions.StorageConnectionName;

    /// <summary>Application Insights (both hosts export OpenTelemetry to it when set).</summary>
    public const string ApplicationInsightsConnectionString = "APPLICATIONINSIGHTS_CONNECTION_STRING";

    public const string AzureResourceManagerEndpoint = AzureOptions.SectionName + Separator + nameof(AzureOptions.ResourceManagerEndpoint);
    public const string AzureCredential = AzureOptions.SectionName + Separator + nameof(AzureOptions.Credential);
    /// <summary>The <see cref="AzureCredential"/> value for the local Sandbox's fixed token.</summary>
    public const string AzureCredentialSandbox = nameof(CredentialMode.Sandbox);
    public const string AzureSandboxCertificateThumbprint = AzureOptions.SectionName + Separator + nameof(AzureOptions.SandboxCertificateThumbprint);

    public const string DecisionAuthUnverifiedOperator = DecisionAuthOptions.SectionName + Separator + nameof(DecisionAuthOptions.UnverifiedOperator);

    /// <summary>Who API decisions are recorded as on the DevHost without Entra ID: nobody verified them.</summary>
    public const string LocalOperator = "local operator (unverified)";

    public const string WorkflowAutoApprove = WorkflowOptions.SectionName + Separator + nameof(WorkflowOptions.AutoApprove);
    public const string WorkflowEscalationHold = WorkflowOptions.SectionName + Separator + nameof(WorkflowOptions.EscalationHold);
    public const string WorkflowDiagnosticsTimeout = WorkflowOptions.SectionName + Separator + nameof(WorkflowOptions.DiagnosticsTimeout);
    public const string WorkflowApprovalTimeout = WorkflowOptions.SectionName + Separator + nameof(WorkflowOptions.ApprovalTimeout);
    public const string WorkflowVerifyInterval = WorkflowOptions.SectionName + Separator + nameof(WorkflowOptions.VerifyInterval);
    public const string WorkflowVerifyHealthyFor = WorkflowOptions.SectionName + Separator + nameof(WorkflowOptions.VerifyHealthyFor);
    public const string WorkflowVerifyDeadline = WorkflowOptions.SectionName + Separator + nameof(WorkflowOptions.VerifyDeadline);

    public const string StorageIncidentsTable = StorageOptions.SectionName + Separator + nameof(StorageOptions.IncidentsTable);
    public const string StorageTimelineTable = StorageOptions.SectionName + Separator + nameof(StorageOptions.TimelineTable);
    public const string StorageActionsTable = StorageOptions.SectionName + Separator + nameof(StorageOptions.ActionsTable);
    public const string StoragePlatformNoticesTable = StorageOptions.SectionName + Separator + nameof(StorageOptions.PlatformNoticesTable);

    public const string PolicyDryRun = PolicyOptions.SectionName + Separator + nameof(PolicyOptions.DryRun);

    public const string DevHostUrls = DevHostOptions.SectionName + Separator + nameof(DevHostOptions.Urls);
    public const string DevHostStartAzurite = DevHostOptions.SectionName + Separator + nameof(DevHostOptions.StartAzurite);
    public const string DevHostAzuriteBlobPort = DevHostOptions.SectionName + Separator + nameof(DevHostOptions.AzuriteBlobPort);
    public const string DevHostAzuriteQueuePort = DevHostOptions.SectionName + Separator + nameof(DevHostOptions.AzuriteQueuePort);
    public const string DevHostAzuriteTablePort = DevHostOptions.SectionName + Separator + nameof(DevHostOptions.AzuriteTablePort);
    public const string DevHostAzuriteLocation = DevHostOptions.SectionName + Separator + nameof(DevHostOptions.AzuriteLocation);
    public const string DevHostStartMailDev = DevHostOptions.SectionName + Separator + nameof(DevHostOptions.StartMailDev);
    public const string DevHostMailDevSmtpPort = DevHostOptions.SectionName + Separator + nameof(DevHostOptions.MailDevSmtpPort);
    public const string DevHostMailDevWebPort = DevHostOptions.SectionName + Separator + nameof(DevHostOptions.MailDevWebPort);
    public const string MailHost = "Mail" + Separator + "Host";

    public const string MailProvider = "Mail" + Separator + "Provider";
    public const string MailPublicBaseUrl = "Mail" + Separator + "PublicBaseUrl";
    public const string MailFrom = "Mail" + Separator + "From";

    /// <summary>The first default approver (<c>Approvers:Default:0</c>).</summary>
    public const string ApproversDefaultFirst = "Approvers" + Separator + "Default" + Separator + "0";

    /// <summary>Who the demo mails about an approval when no approver is configured.</summary>
    public const string DemoApprover = "oncall@demo.localhost";
    public const string DevHostStartSandbox = DevHostOptions.SectionName + Separator + nameof(DevHostOptions.StartSandbox);
    public const string DevHostSandboxUrl = DevHostOptions.SectionName + Separator + nameof(DevHostOptions.SandboxUrl);
    public const string DevHostDurableBackend = DevHostOptions.SectionName + Separator + nameof(DevHostOptions.DurableBackend);
    public const string DevHostTaskHub = DevHostOptions.SectionName + Separator + nameof(DevHostOptions.TaskHub);
    public const string DevHostDurableHostJson = DevHostOptions.SectionName + Separator + nameof(DevHostOptions.DurableHostJson);
    public const string DevHostDurableTaskPort = DevHostOptions.SectionName + Separator + nameof(DevHostOptions.DurableTaskPort);

    /// <summary>The minimum log level of a logging category (<c>Logging:LogLevel:{category}</c>).</summary>
    public static string LogLevel(string category) => "Logging" + Separator + "LogLevel" + Separator + category;

    /// <summary><paramref name="key"/>=<paramref name="value"/> as a command-line configuration override.</summary>
    public static string Override(string key, string value) => "--" + key + "=" + value;
}
