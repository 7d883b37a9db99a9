using AutoRemediate.Approvals;
using AutoRemediate.Decisions;
using AutoRemediate.Incidents;
using AutoRemediate.Workflow;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;

namespace AutoRemediate.Functions;

/// <summary>Incident status, approval decisions and cancels. Function-level key: incidents describe production apps.</summary>
public sealed class IncidentsFunction(IncidentsEndpoint endpoint, DecisionEndpoint decisions, CancelEndpoint cancels)
{
    /// <summary>GET /api/incidents?app=&amp;status=&amp;since=&amp;top=&amp;continuation=.</summary>
    [Function(FunctionNames.ListIncidents)]
    public async Task<IActionResult> ListAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "incidents")] HttpRequest request,
        CancellationToken cancellationToken) =>
        new HttpResultAction(await endpoint.ListAsync(request.Query, cancellationToken));

    /// <summary>GET /api/incidents/{id}.</summary>
    [Function(FunctionNames.GetIncident)]
    public async Task<IActionResult> GetAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "incidents/{id}")] HttpRequest request,
        string id,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken) =>
        new HttpResultAction(await endpoint.GetAsync(id, client, cancellationToken));

    /// <summary>GET /api/incidents/{id}/export.</summary>
    [Function(FunctionNames.ExportIncident)]
    public async Task<IActionResult> ExportAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "incidents/{id}/export")] HttpRequest request,
        string id,
        CancellationToken cancellationToken) =>
        new HttpResultAction(await endpoint.ExportAsync(id, cancellationToken));

    /// <summary>POST /api/incidents/{id}/decision.</summary>
    [Function(FunctionNames.Decision)]
    public async Task<IActionResult> DecideAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "incidents/{id}/decision")] HttpRequest request,
        string id,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken) =>
        new HttpResultAction(await decisions.HandleAsync(request, id, client, cancellationToken));

    /// <summary>POST /api/incidents/{id}/cancel.</summary>
    [Function(FunctionNames.CancelIncident)]
    public async Task<IActionResult> CancelAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "incidents/{id}/cancel")] HttpRequest request,
        string id,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken) =>
        new HttpResultAction(await cancels.HandleAsync(request, id, client, cancellationToken));
}
