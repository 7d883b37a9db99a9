using AutoRemediate.Shared;
using Microsoft.AspNetCore.Http;

namespace AutoRemediate.Http;

/// <summary>RFC 9457 problem+json answers shared by both hosts.</summary>
public static class Problems
{
    /// <summary>400 with every input error listed under <c>errors</c>.</summary>
    public static IResult BadRequest(string title, IReadOnlyList<InputError> errors) =>
        Results.Problem(
            statusCode: StatusCodes.Status400BadRequest,
            title: title,
            detail: string.Join(" ", errors.Select(e => $"{e.Field}: {e.Message}")),
            type: "https://httpwg.org/specs/rfc9110.html#status.400",
            extensions: new Dictionary<string, object?> { ["errors"] = errors.Select(e => new { field = e.Field, message = e.Message }).ToArray() });

    /// <summary>Any other client or server problem.</summary>
    public static IResult Status(int statusCode, string title, string detail) =>
        Results.Problem(statusCode: statusCode, title: title, detail: detail);
}
