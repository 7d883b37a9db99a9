namespace AutoRemediate.Notify;

/// <summary>One composed mail: subject, HTML and its plain-text alternative.</summary>
/// <param name="Subject">The subject line.</param>
/// <param name="Html">The HTML body (every outside text in it encoded).</param>
/// <param name="Text">The plain-text body.</param>
public sealed record MailContent(string Subject, string Html, string Text)
{
    /// <inheritdoc />
    // The bodies of approval mails hold a link token and a one-time code: never print them.
    public override string ToString() => $"MailContent {{ Subject = {Subject} }}";
}

/// <summary>One mail to one person.</summary>
/// <param name="To">The recipient's address.</param>
/// <param name="Content">What it says.</param>
public sealed record OutgoingMail(string To, MailContent Content);

/// <summary>Sends mail.</summary>
public interface IMailSender
{
    /// <summary>Sends every mail of <paramref name="mails"/> over one connection; throws when the server cannot be reached or refuses one.</summary>
    Task SendAsync(IReadOnlyList<OutgoingMail> mails, CancellationToken cancellationToken = default);
}
