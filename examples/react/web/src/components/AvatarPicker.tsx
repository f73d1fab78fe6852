// A file sent as part of a typed object: the generated function sends it as a multipart form.
import { useState } from 'react';
import { ActumError, uploadAvatar, type Avatar } from '../actions';

export function AvatarPicker({ avatar }: { avatar: Avatar | null }) {
  const [current, setCurrent] = useState(avatar);
  const [error, setError] = useState('');
  return (
    <div>
      <input
        type="file"
        aria-label="Avatar"
        onChange={async (e) => {
          const picture = e.target.files?.[0];
          if (!picture) return;
          setError('');
          try {
            setCurrent(await uploadAvatar({ picture }));
          } catch (err) {
            setError(err instanceof ActumError ? (err.field('picture') ?? err.message) : String(err));
          }
        }}
      />
      <p id="avatar-status">
        {current && `${current.picture.name}: ${current.picture.bytes} bytes, ${current.content_type}`}
      </p>
      <p role="alert" id="avatar-error">{error}</p>
    </div>
  );
}
