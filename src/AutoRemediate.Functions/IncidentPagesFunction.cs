using AutoRemediate.Pages;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace AutoRemediate.Functions;

/// <summary>
/// The incident pages for people, <c>/api/ui/incidents</c> and <c>/api/ui/incidents/{id}</c>. Anonymous at the
/// Functions level (a browser cannot send a function key), guarded instead by <see cref="IPageAccess"/>, which
/// sends people to sign in with Microsoft Entra ID and refuses everyone until that is configured.
/// </summary>
public sealed class IncidentPagesFunction(IncidentPages pages, AutoRemediate.Http.PageSignIn signIn)
{
    /// <summary>POST /api/ui/signin: Microsoft Entra ID posts the ID token of a sign-in here (the app registration's redirect URI).</summary>
    [Function(FunctionNames.PageSignIn)]
    public async Task<IActionResult> SignInAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "ui/signin")] HttpRequest request,
        CancellationToken cancellationToken) =>
        new HttpResultAction(await signIn.CompleteAsync(request, cancellationToken));

    /// <summary>GET /api/ui/signout.</summary>
    [Function(FunctionNames.PageSignOut)]
    public IActionResult SignOut(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "ui/signout")] HttpRequest request) =>
        new HttpResultAction(signIn.SignOut(request));

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

    /// <summary>GET /api/ui/incidents/{id}/export: the postmortem, for people allowed to see the page.</summary>
    [Function(FunctionNames.IncidentPageExport)]
    public async Task<IActionResult> ExportAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "ui/incidents/{id}/export")] HttpRequest request,
        string id,
        CancellationToken cancellationToken) =>
        new HttpResultAction(await pages.ExportAsync(request, id, cancellationToken));
}
