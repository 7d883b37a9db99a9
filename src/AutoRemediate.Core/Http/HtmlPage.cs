using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Http;

namespace AutoRemediate.Http;

/// <summary>
/// One server-rendered page for people (the approval link pages, the incident pages), with the headers every such
/// page carries: a CSP that allows no script and no external asset, no caching, no framing, no referrer. Every text
/// that goes into a page goes through <see cref="Encode"/>; <see cref="Document"/> wraps a body in the house layout.
/// </summary>
public sealed class HtmlPage : IResult
{
    private static readonly HtmlEncoder s_encoder = HtmlEncoder.Default;
    private readonly int _status;
    private readonly string _html;
    private readonly string? _location;
    private readonly int? _retryAfterSeconds;

    /// <summary>A page with <paramref name="html"/> as its whole document.</summary>
    public HtmlPage(int status, string html, string? location = null, int? retryAfterSeconds = null)
    {
        _status = status;
        _html = html;
        _location = location;
        _retryAfterSeconds = retryAfterSeconds;
    }

    /// <summary>The status code the page is sent with.</summary>
    public int StatusCode => _status;

    /// <summary>The document (for tests and logs).</summary>
    public string Html => _html;

    /// <inheritdoc/>
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var response = httpContext.Response;
        response.StatusCode = _status;
        var headers = response.Headers;
        headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'";
        headers.CacheControl = "no-store";
        headers["Referrer-Policy"] = "no-referrer";
        headers.XFrameOptions = "DENY";
        headers.XContentTypeOptions = "nosniff";
        if (_location is not null)
        {
            headers.Location = _location;
        }

        if (_retryAfterSeconds is { } seconds)
        {
            headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        }

        response.ContentType = "text/html; charset=utf-8";
        await response.WriteAsync(_html, Encoding.UTF8, httpContext.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>A page with a title and one paragraph.</summary>
    public static HtmlPage Message(int status, string title, string text) => new(status, Document(title, Paragraph(text)));

    /// <summary>The page for a dependency that is down: 503 with Retry-After.</summary>
    public static HtmlPage Unavailable(string title, string text) =>
        new(StatusCodes.Status503ServiceUnavailable, Document(title, Paragraph(text)), retryAfterSeconds: DependencyFailures.RetryAfterSeconds);

    /// <summary>HTML-encodes <paramref name="text"/> for element content and attribute values.</summary>
    public static string Encode(string? text) => text is null ? string.Empty : s_encoder.Encode(text);

    /// <summary>One encoded paragraph.</summary>
    public static string Paragraph(string text) => "<p>" + Encode(text) + "</p>";

    /// <summary>
    /// The house layout: readable on a phone (viewport, fluid width), no external asset, not indexed.
    /// <paramref name="body"/> is HTML the caller built from encoded text; <paramref name="css"/> is added to the base style.
    /// </summary>
    public static string Document(string title, string body, string css = "") =>
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">" +
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">" +
        "<meta name=\"robots\" content=\"noindex, nofollow\">" +
        "<title>" + Encode(title) + " \u2013 AutoRemediate</title><style>" +
        "body{font-family:system-ui,sans-serif;margin:0 auto;padding:1rem;max-width:40rem;line-height:1.5;font-size:1.05rem;overflow-wrap:anywhere}" +
        "dt{font-weight:600;margin-top:.5rem}dd{margin:0;overflow-wrap:anywhere}" +
        "label{display:block;margin-top:1rem;font-weight:600}input,textarea,select{width:100%;box-sizing:border-box;font-size:1.1rem;padding:.5rem}" +
        ".buttons{display:flex;gap:1rem;margin-top:1rem}button{flex:1;font-size:1.1rem;padding:.8rem;border:0;border-radius:.4rem;background:#1b6e3a;color:#fff}" +
        "button.reject{background:#a4262c}.error{color:#a4262c;font-weight:600}" +
        css +
        "</style></head><body><h1>" + Encode(title) + "</h1>" + body + "</body></html>";
}
