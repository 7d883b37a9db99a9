using AutoRemediate;
using AutoRemediate.Workflow;
using Azure.Core;
using Azure.Core.Serialization;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Logs;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.Services.AddAutoRemediate(builder.Configuration);
// The Durable extension serializes orchestration and activity payloads with the worker's serializer: the same
// options as the DevHost's (nulls left out, no HTML escaping), so histories stay small (README "History size").
builder.Services.Configure<WorkerOptions>(o => o.Serializer = new JsonObjectSerializer(DurablePayloads.Options));

// Telemetry (README "Telemetry"): OpenTelemetry with the Azure Monitor exporter, as the Functions
// OpenTelemetry how-to shows for the isolated worker (UseFunctionsWorkerDefaults + UseAzureMonitorExporter;
// host.json telemetryMode OpenTelemetry). Only when Application Insights is configured; it authenticates
// with the app's own credential (the managed identity in Azure: App Insights has local auth off).
if (!string.IsNullOrWhiteSpace(builder.Configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"]))
{
    builder.Services.AddOpenTelemetry().UseFunctionsWorkerDefaults().UseAzureMonitorExporter();
    builder.Services.AddOptions<AzureMonitorExporterOptions>().Configure<TokenCredential>((o, credential) => o.Credential = credential);
    // Logger scopes (IncidentId, App) become custom dimensions only with IncludeScopes.
    builder.Services.Configure<OpenTelemetryLoggerOptions>(o => o.IncludeScopes = true);
}

builder.Build().Run();
