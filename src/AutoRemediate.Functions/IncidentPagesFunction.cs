using AutoRemediate.Pages;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace AutoRemediate.Functions;

/// <summary>
/// The incident pages for people, <c>/api/ui/incidents</c> and <c>/api/ui/incidents/{id}</c>. Anonymous at the
/// Functions level (a browser cannot send a function key), guarded instead by <see cref="IPageAccess"/>, which
/// refuses everyone until sign-in is configured.
/// </summary>
public sealed class IncidentPagesFunction(IncidentPages pages)
{
    /// <summary>GET /api/ui/incidents.</summary>
    [Function(FunctionNames.IncidentListPage)]
    public async Task<IActionResult> ListAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "ui/incidents")] HttpRequest request,
        CancellationToken cancellationToken) =>
        new HttpResultAction(await pages.ListAsync(request, cancellationToken));

    /// <summary>GET /api/ui/incidents/{id}.</summary>
    [Function(FunctionNames.IncidentPage)]
    public async Task<IActionResult> DetailAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "ui/incidents/{id}")] HttpRequest request,
        string id,
        CancellationToken cancellationToken) =>
        new HttpResultAction(await pages.DetailAsync(request, id, cancellationToken));
}
