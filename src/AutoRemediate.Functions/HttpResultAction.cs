using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace AutoRemediate.Functions;

/// <summary>
/// Runs a Core <see cref="IResult"/> through the Functions ASP.NET Core integration, which executes
/// <see cref="IActionResult"/>s. Core's handlers return <see cref="IResult"/> so the DevHost's minimal
/// APIs and the Function App share them unchanged.
/// </summary>
internal sealed class HttpResultAction(IResult result) : IActionResult
{
    public Task ExecuteResultAsync(ActionContext context) => result.ExecuteAsync(context.HttpContext);
}
