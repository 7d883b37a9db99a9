namespace AutoRemediate.Sandbox.Arm;

/// <summary>ARM's error envelope: <c>{ "error": { "code", "message" } }</c>.</summary>
internal static class ArmErrors
{
    public static IResult Create(int status, string code, string message) =>
        Results.Json(new { error = new { code, message } }, statusCode: status);
}
