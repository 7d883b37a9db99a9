using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using AutoRemediate.Sandbox.State;

namespace AutoRemediate.Sandbox.Arm;

/// <summary>
/// JSON for ARM bodies: property names exactly as written (the bodies spell the REST spec's names),
/// null properties of objects left out; dictionary entries (e.g. <c>nextLink: null</c>) are kept.
/// </summary>
internal static class ArmJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = null,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static IResult Ok(object body, int status = StatusCodes.Status200OK) => Results.Json(body, Options, statusCode: status);

    /// <summary>An ARM collection: <c>{ value: [...], nextLink: null }</c>.</summary>
    public static IResult List(IEnumerable<object> items) => Ok(new Dictionary<string, object?> { ["value"] = items.ToArray(), ["nextLink"] = null });

    /// <summary>The base URL of the Sandbox as the caller reached it.</summary>
    public static string BaseUrl(HttpRequest request) => $"{request.Scheme}://{request.Host}";

    /// <summary>Where the Sandbox serves an app's SCM (Kudu) site: <c>https://{sandbox}/scm/{site}</c>.</summary>
    public static string ScmBase(HttpRequest request, SimulatedApp app) => $"{BaseUrl(request)}/scm/{app.Name}";

    public static string ApiVersion(HttpRequest request) => request.Query["api-version"].ToString();
}
