using System.Collections.Concurrent;

namespace AutoRemediate.Sandbox.Email;

/// <summary>One mail the Sandbox's ACS Email accepted, and how its send operation ends.</summary>
public sealed record SandboxMail(
    string OperationId,
    DateTimeOffset At,
    string SenderAddress,
    IReadOnlyList<string> To,
    string Subject,
    string? PlainText,
    string? Html,
    IReadOnlyDictionary<string, string> Headers,
    string Status,
    string? ErrorCode,
    string? ErrorMessage);

/// <summary>The mails sent through the Sandbox's ACS Email routes, by operation id, for tests to read back.</summary>
public sealed class EmailStore
{
    private readonly ConcurrentDictionary<string, SandboxMail> _byOperation = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentQueue<SandboxMail> _inOrder = new();

    /// <summary>Stores a new operation, or returns the one already stored under its id (a retried POST).</summary>
    public (SandboxMail Mail, bool Added) Add(SandboxMail mail)
    {
        ArgumentNullException.ThrowIfNull(mail);
        var stored = _byOperation.GetOrAdd(mail.OperationId, mail);
        var added = ReferenceEquals(stored, mail);
        if (added)
        {
            _inOrder.Enqueue(mail);
        }

        return (stored, added);
    }

    public SandboxMail? Find(string operationId) => _byOperation.TryGetValue(operationId, out var mail) ? mail : null;

    /// <summary>Every accepted mail, oldest first.</summary>
    public IReadOnlyList<SandboxMail> Snapshot() => [.. _inOrder];

    public void Clear()
    {
        _byOperation.Clear();
        _inOrder.Clear();
    }
}
