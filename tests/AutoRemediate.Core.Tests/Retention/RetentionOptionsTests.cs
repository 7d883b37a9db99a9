using AutoRemediate.Retention;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AutoRemediate.Core.Tests.Retention;

/// <summary>The retention settings as the hosts bind and validate them at start.</summary>
[TestClass]
public sealed class RetentionOptionsTests
{
    private static RetentionOptions Bind(IReadOnlyDictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddAutoRemediate(configuration);
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<RetentionOptions>>().Value;
    }

    [TestMethod]
    public void Bind_NothingSet_KeepsNinetyDaysPurgedDailyAtHalfPastThree()
    {
        var options = Bind(new Dictionary<string, string?>());

        Assert.AreEqual(TimeSpan.FromDays(90), options.MaxAge);
        Assert.AreEqual("0 30 3 * * *", options.Schedule);
        Assert.AreEqual(100, options.MaxIncidentsPerPass);
    }

    [TestMethod]
    [DataRow("Retention:MaxAge", "23:59:59", "MaxAge is at least 1 day")]
    [DataRow("Retention:MaxAge", "00:00:00", "MaxAge is at least 1 day")]
    [DataRow("Retention:MaxAge", "-30.00:00:00", "MaxAge is at least 1 day")]
    [DataRow("Retention:Schedule", "0 30 3 * *", "six-field NCRONTAB")]
    [DataRow("Retention:MaxIncidentsPerPass", "0", "MaxIncidentsPerPass")]
    public void Bind_SettingOutOfRange_RefusedAtStartNamingIt(string key, string value, string message)
    {
        var ex = Assert.ThrowsExactly<OptionsValidationException>(() => Bind(new Dictionary<string, string?> { [key] = value }));

        StringAssert.Contains(ex.Message, message);
    }

    [TestMethod]
    public void Bind_OneDay_Accepted()
    {
        Assert.AreEqual(TimeSpan.FromDays(1), Bind(new Dictionary<string, string?> { ["Retention:MaxAge"] = "1.00:00:00" }).MaxAge);
    }
}
