namespace AutoRemediate.Shared;

/// <summary>One thing wrong with an incoming payload, named by its JSON path.</summary>
/// <param name="Field">A JSON path such as <c>data.essentials.alertTargetIDs[0]</c>.</param>
/// <param name="Message">What is wrong, in words a person wiring an alert can act on.</param>
public sealed record InputError(string Field, string Message);
