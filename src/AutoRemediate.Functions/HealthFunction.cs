using AutoRemediate.Telemetry;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;

namespace AutoRemediate.Functions;

/// <summary>
/// GET /api/health. Anonymous so a probe (App Service health check, an availability test) needs no key; it
/// says only which of the pipeline's own dependencies answer, never where they are or how to reach them.
/// </summary>
public sealed class HealthFunction(HealthEndpoint endpoint)
{
    /// <summary>200 healthy / 503 naming the failed parts (table, blob, durable).</summary>
    [Function(FunctionNames.Health)]
    public async Task<IActionResult> GetAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken) =>
        new HttpResultAction(await endpoint.GetAsync(client, cancellationToken));
}
