// The seeds' ViewCount: an action called from useEffect, in a transition.
import { useEffect, useState, useTransition } from 'react';
import { incrementViews } from '../actions';

export function ViewCount({ initialViews }: { initialViews: number }) {
  const [views, setViews] = useState(initialViews);
  const [isPending, startTransition] = useTransition();

  useEffect(() => {
    startTransition(async () => {
      const updatedViews = await incrementViews();
      // A state update after `await` needs its own transition.
      startTransition(() => setViews(updatedViews));
    });
  }, []);

  return <p aria-busy={isPending}>Total Views: {views}</p>;
}
