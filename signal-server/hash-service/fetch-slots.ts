// Bounded concurrency for origin fetches: at most `concurrency` at once (a task starts at once when a slot is
// free), at most `queueLimit` waiting; a task beyond both is refused ('busy') rather than queued without end.

export class FetchSlots {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly concurrency: number,
    private readonly queueLimit: number,
  ) {}

  get active(): number {
    return this.running;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /** Runs `task` now or when a slot frees up; 'busy' (and `task` never runs) when the queue is full too. */
  run<T>(task: () => Promise<T>): Promise<T> | 'busy' {
    if (this.running < this.concurrency) return this.start(task);
    if (this.waiting.length >= this.queueLimit) return 'busy';
    return new Promise<T>((resolve, reject) =>
      this.waiting.push(() => this.start(task).then(resolve, reject)),
    );
  }

  private start<T>(task: () => Promise<T>): Promise<T> {
    this.running++;
    const done = () => {
      this.running--;
      this.waiting.shift()?.();
    };
    let running: Promise<T>;
    try {
      running = task();
    } catch (error) {
      running = Promise.reject(error);
    }
    return running.finally(done);
  }
}
