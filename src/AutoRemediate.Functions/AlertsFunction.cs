using AutoRemediate.Ingest;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;

namespace AutoRemediate.Functions;

/// <summary>The action group webhook. Function-level key: Azure Monitor sends it in the URL.</summary>
public sealed class AlertsFunction(AlertsEndpoint endpoint)
{
    /// <summary>POST /api/alerts.</summary>
    [Function(FunctionNames.Alerts)]
    public async Task<IActionResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "alerts")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken) =>
        new HttpResultAction(await endpoint.HandleAsync(request, client, cancellationToken));
}
