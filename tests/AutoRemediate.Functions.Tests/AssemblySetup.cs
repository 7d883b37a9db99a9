using AutoRemediate.Testing;

namespace AutoRemediate.Functions.Tests;

[TestClass]
public static class AssemblySetup
{
    [AssemblyInitialize]
    public static Task InitializeAsync(TestContext context) => AzuriteFixture.StartAsync();

    [AssemblyCleanup]
    public static Task CleanupAsync() => AzuriteFixture.StopAsync();
}
