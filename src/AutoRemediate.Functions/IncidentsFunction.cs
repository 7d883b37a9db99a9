using AutoRemediate.Incidents;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace AutoRemediate.Functions;

/// <summary>Incident status for people and tools. Function-level key: incidents describe production apps.</summary>
public sealed class IncidentsFunction(IncidentsEndpoint endpoint)
{
    /// <summary>GET /api/incidents/{id}.</summary>
    [Function(FunctionNames.GetIncident)]
    public async Task<IActionResult> GetAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "incidents/{id}")] HttpRequest request,
        string id,
        CancellationToken cancellationToken) =>
        new HttpResultAction(await endpoint.GetAsync(id, cancellationToken));
}
