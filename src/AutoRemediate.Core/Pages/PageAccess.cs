using System.Net;
using AutoRemediate.Http;
using Microsoft.AspNetCore.Http;

namespace AutoRemediate.Pages;

/// <summary>
/// Who may open the incident pages. Checked before anything is read, on every page request; a refusal is a
/// readable page and shows no incident data. The Function App's default refuses everything until sign-in is
/// configured (<see cref="SignedInPageAccess"/>); the DevHost opens the pages to loopback callers only
/// (<see cref="LoopbackPageAccess"/>).
/// </summary>
public interface IPageAccess
{
    /// <summary>Null when <paramref name="request"/> may see the pages, else the page to answer with instead.</summary>
    ValueTask<IResult?> RefuseAsync(HttpRequest request, CancellationToken cancellationToken);
}

/// <summary>
/// The Function App's access: a person signed in with Microsoft Entra ID (<see cref="PageSignIn"/>, <c>PageAuth</c>
/// settings) holding an allowed app role. A browser without a session is sent to sign in and comes back to the page it
/// asked for. Until sign-in is configured, every request gets a 403 page, never incident data.
/// </summary>
public sealed class SignedInPageAccess(PageSignIn signIn) : IPageAccess
{
    /// <inheritdoc/>
    public ValueTask<IResult?> RefuseAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!signIn.Enabled)
        {
            return ValueTask.FromResult<IResult?>(HtmlPage.Message(StatusCodes.Status403Forbidden, "Sign-in is not configured",
                "The incident pages need a signed-in user, and sign-in is not configured on this Function App (PageAuth__TenantId, PageAuth__ClientId, " +
                "PageAuth__CookieKey), so they show nothing to anyone. Use GET /api/incidents with a function key meanwhile."));
        }

        return ValueTask.FromResult(signIn.Viewer(request) is null
            ? signIn.Challenge(request, request.Path.Value + request.QueryString.Value)
            : null);
    }
}

/// <summary>
/// The DevHost's access: open to a caller on this machine (the connection's remote address is loopback), refused to
/// anyone else, also when the DevHost listens on a non-loopback address. Forwarded headers are not looked at: anyone
/// can write them.
/// </summary>
public sealed class LoopbackPageAccess : IPageAccess
{
    /// <inheritdoc/>
    public ValueTask<IResult?> RefuseAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return ValueTask.FromResult<IResult?>(IsLoopback(request.HttpContext.Connection.RemoteIpAddress)
            ? null
            : HtmlPage.Message(StatusCodes.Status403Forbidden, "Only on this machine",
                "The DevHost shows incident pages only to a browser on the machine it runs on (a loopback address). Nothing is shown to other addresses."));
    }

    /// <summary>True for 127.0.0.0/8, ::1 and their IPv4-mapped forms; false for anything else, and for no address.</summary>
    public static bool IsLoopback(IPAddress? address) =>
        address is not null && IPAddress.IsLoopback(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);
}
