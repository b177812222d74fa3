using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Billing.StripeEmulator.State;

/// <summary>
/// The single state store: every read and write runs under one lock; with a data file configured,
/// each write is saved by writing a temporary file and renaming it over the old one.
/// </summary>
public sealed class StateStore
{
    private static readonly JsonSerializerOptions FileJson = new() { WriteIndented = false };

    private readonly Lock _gate = new();
    private readonly string? _dataFile;
    private EmulatorState _state;

    public StateStore(IOptions<EmulatorOptions> options)
    {
        _dataFile = string.IsNullOrWhiteSpace(options.Value.DataFile) ? null : Path.GetFullPath(options.Value.DataFile);
        _state = Load(_dataFile);
    }

    public T Read<T>(Func<EmulatorState, T> read)
    {
        lock (_gate)
        {
            return read(_state);
        }
    }

    public T Write<T>(Func<EmulatorState, T> write)
    {
        lock (_gate)
        {
            try
            {
                return write(_state);
            }
            finally
            {
                Save();
            }
        }
    }

    public void Write(Action<EmulatorState> write) => Write(state =>
    {
        write(state);
        return true;
    });

    public void Reset(Action<EmulatorState> seed)
    {
        lock (_gate)
        {
            _state = new EmulatorState();
            seed(_state);
            Save();
        }
    }

    private static EmulatorState Load(string? dataFile)
    {
        if (dataFile is null || !File.Exists(dataFile))
        {
            return new EmulatorState();
        }

        using var stream = File.OpenRead(dataFile);
        return JsonSerializer.Deserialize<EmulatorState>(stream, FileJson) ?? new EmulatorState();
    }

    private void Save()
    {
        if (_dataFile is null)
        {
            return;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(_dataFile)!);
        var temp = _dataFile + ".tmp";
        using (var stream = File.Create(temp))
        {
            JsonSerializer.Serialize(stream, _state, FileJson);
        }

        File.Move(temp, _dataFile, overwrite: true);
    }
}
