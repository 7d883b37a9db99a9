namespace AutoRemediate.Sandbox.Arm;

/// <summary>ARM's error envelope: <c>{ "error": { "code", "message" } }</c>.</summary>
internal static class ArmErrors
{
    public static IResult Create(int status, string code, string message) =>
        Results.Json(new { error = new { code, message } }, statusCode: status);

    public static IResult NotFound(string type, string name, string resourceGroup) =>
        Create(404, "ResourceNotFound", $"The Resource '{type}/{name}' under resource group '{resourceGroup}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix");

    public static IResult BadRequest(string message, string code = "BadRequest") => Create(400, code, message);

    /// <summary>The code ARM (or the front end) uses with a status, for injected faults.</summary>
    public static string CodeFor(int status) => status switch
    {
        400 => "BadRequest",
        401 => "AuthenticationFailed",
        403 => "AuthorizationFailed",
        404 => "NotFound",
        408 => "RequestTimeout",
        409 => "Conflict",
        429 => "TooManyRequests",
        500 => "InternalServerError",
        502 => "BadGateway",
        503 => "ServiceUnavailable",
        504 => "GatewayTimeout",
        _ => "SandboxFault",
    };
}
